// The notification center: the bell (unread count, refreshed live) and the list of the user's
// notifications.
import type { InboxNotification } from '../../src/notifications/inbox-repo'
import type { PageProps } from '../../src/web/page'
import { EmptyState, PageHeader, Time } from '../components/common'
import { Csrf, PostButton } from '../components/form'
import { Icon } from '../components/icons'
import { Layout } from '../layout'
import { NotificationTabs } from './channels'

/** BellContent is what /notifications/bell returns: the icon and, when any, the unread count. */
export function BellContent({ unread }: { unread: number }) {
  return (
    <>
      <Icon name="bell" />
      {unread > 0 ? <span class="bell-count" data-unread={String(unread)}>{unread > 99 ? '99+' : unread}</span> : ''}
      <span class="sr-only" safe>{unread === 1 ? '1 unread notification' : `${unread} unread notifications`}</span>
    </>
  )
}

export function InboxPage({ page, items, unread }: { page: PageProps; items: InboxNotification[]; unread: number }) {
  return (
    <Layout page={page} title="Notifications">
      <PageHeader title="My notifications" subtitle={unread ? `${unread} unread` : 'All caught up'}>
        {unread ? <PostButton action="/notifications/read" csrf={page.csrf} label="Mark all read" fields={{ all: 'true' }} /> : ''}
      </PageHeader>
      <NotificationTabs current="inbox" />
      <section class="card flush" id="inbox" hx-get="/notifications" hx-trigger="live:notification.created from:body throttle:1s" hx-select="#inbox" hx-swap="outerHTML">
        {items.length === 0
          ? <EmptyState title="No notifications" text="Critical and high alerts, escalations, ticket assignments and failing channels show up here." />
          : (
            <ul class="inbox">
              {items.map((n) => (
                <li class={n.readAt ? 'read' : 'unread'}>
                  <div class="grow">
                    {n.link ? <a href={n.link} safe>{n.title}</a> : <strong safe>{n.title}</strong>}
                    <div class="small muted" safe>{n.body}</div>
                    <div class="small muted"><Time ms={n.createdAt} /></div>
                  </div>
                  {n.readAt
                    ? ''
                    : (
                      <form method="post" action="/notifications/read" class="inline-form">
                        <Csrf token={page.csrf} />
                        <input type="hidden" name="ids" value={n.id} />
                        <button class="btn small" type="submit">Mark read</button>
                      </form>
                    )}
                </li>
              ))}
            </ul>
          )}
      </section>
    </Layout>
  )
}
