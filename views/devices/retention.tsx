// Metric retention (platform admins): how long raw samples and roll-ups are kept.
import type { FieldErrors, FormValues } from '../../src/web/forms'
import type { PageProps } from '../../src/web/page'
import { PageHeader } from '../components/common'
import { Csrf, FormError, Input } from '../components/form'
import { Layout } from '../layout'

export function RetentionPage({ page, values, errors }: { page: PageProps; values: FormValues; errors?: FieldErrors }) {
  return (
    <Layout page={page} title="Metric retention">
      <PageHeader title="Metric retention" subtitle="Heartbeats store a raw sample every minute per device; a job rolls them up into hourly and daily averages, minimums and maximums. Charts read the finest data still kept.">
        <a class="btn" href="/settings">Settings</a>
      </PageHeader>
      <form class="card form-narrow" method="post" action="/settings/metrics">
        <Csrf token={page.csrf} />
        <FormError errors={errors} />
        <Input name="rawDays" label="Raw samples (days)" type="number" min={2} max={90} values={values} errors={errors} hint="Default 7. About 1,440 rows per device per day." />
        <Input name="hourlyDays" label="Hourly roll-ups (days)" type="number" min={7} max={730} values={values} errors={errors} hint="Default 90." />
        <Input name="dailyDays" label="Daily roll-ups (days)" type="number" min={30} max={3650} values={values} errors={errors} hint="Default 730 (two years)." />
        <button class="btn primary" type="submit">Save</button>
      </form>
    </Layout>
  )
}
