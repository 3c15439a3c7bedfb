import type { Flash } from '../../src/web/render'

export function FlashMessage({ flash }: { flash: Flash | null }) {
  if (!flash) return ''
  return (
    <div class={`flash ${flash.kind}`} role={flash.kind === 'error' ? 'alert' : 'status'} x-data="dismissable" x-show="shown">
      <div class="grow" safe>{flash.text}</div>
      <button type="button" class="icon-btn" aria-label="Dismiss" x-on:click="dismiss">✕</button>
    </div>
  )
}
