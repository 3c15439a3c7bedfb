// The metric retention page (platform admins; the JSON API is in device-api.ts).
import { Elysia } from 'elysia'
import { RetentionPage } from '../../views/devices/retention'
import type { AppContext } from '../context'
import { ForbiddenError } from '../lib/errors'
import { actorPlugin, userOf } from '../web/actor-plugin'
import { fieldErrorsOf, parseForm, type FieldErrors, type FormValues } from '../web/forms'
import { pageProps, type PageContext } from '../web/page'
import { redirect, render, setFlash } from '../web/render'
import { getRetention, updateRetention } from './metrics'
import { retentionBody } from './model'

export function metricsRoutes(ctx: AppContext) {
  async function page(c: PageContext, extra: { values?: FormValues; errors?: FieldErrors } = {}, status = 200) {
    if (!userOf(c.actor).scope.platformAdmin) throw new ForbiddenError('only platform administrators change metric retention')
    return render(c, <RetentionPage page={await pageProps(ctx, c)} values={extra.values ?? await getRetention(ctx)} errors={extra.errors} />, status)
  }
  return new Elysia({ name: 'breeze.devices.metrics' })
    .use(actorPlugin(ctx))
    .get('/settings/metrics', (c) => page(c))
    .post('/settings/metrics', async (c) => {
      const form = parseForm(retentionBody, c.body)
      if (!form.ok) return page(c, form, 400)
      try {
        await updateRetention(ctx, userOf(c.actor), form.value)
      } catch (err) {
        return page(c, { values: form.value, errors: fieldErrorsOf(err) }, 400)
      }
      setFlash(c.cookie, { kind: 'success', text: 'Metric retention saved; the next roll-up run applies it.' })
      return redirect(c, '/settings/metrics')
    })
}
