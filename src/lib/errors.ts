// Domain errors thrown by services; the web layer maps each to one HTTP status.

export class AppError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message)
  }
}

/** NotFoundError is also what a caller gets for objects outside its scope. */
export class NotFoundError extends AppError {
  constructor(what = 'resource') { super(404, 'not_found', `${what} not found`) }
}

export class ValidationError extends AppError {
  constructor(readonly field: string, message: string) {
    super(400, 'validation', message, { field })
  }
}

export class ConflictError extends AppError {
  constructor(message: string, field?: string) { super(409, 'conflict', message, field ? { field } : undefined) }
}

export class UnprocessableError extends AppError {
  constructor(message: string, details?: unknown) { super(422, 'unprocessable', message, details) }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'authentication required') { super(401, 'unauthorized', message) }
}

/** ForbiddenError is for actions on objects the caller can see but may not change. */
export class ForbiddenError extends AppError {
  constructor(message = 'permission denied', readonly permission?: string) { super(403, 'forbidden', message, permission ? { permission } : undefined) }
}

export class RateLimitError extends AppError {
  constructor(message: string, readonly retryAfterSeconds: number, code = 'rate_limited', details: Record<string, unknown> = {}) { super(429, code, message, { ...details, retryAfterSeconds }) }
}
