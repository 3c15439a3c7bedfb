// Shapes and enumerations of the ticket tables.

export const ticketStatuses = ['open', 'in_progress', 'waiting', 'resolved', 'closed'] as const
export type TicketStatus = (typeof ticketStatuses)[number]

export const ticketPriorities = ['urgent', 'high', 'normal', 'low'] as const
export type TicketPriority = (typeof ticketPriorities)[number]

/** How a ticket rule finds the open ticket a follow-up alert joins. */
export const ticketGrouping = ['device', 'rule_device', 'org', 'none'] as const
export type TicketGrouping = (typeof ticketGrouping)[number]
