/** Saves lines as a text file through a Blob and an `<a download>` (works in Electron and browsers). */
import type { LogLine } from '../../../../shared/desktop-api'

export function downloadLines(fileName: string, lines: readonly LogLine[]): void {
  const text = lines.map((line) => line.text).join('\n')
  const blob = new Blob([lines.length ? `${text}\n` : ''], { type: 'text/plain;charset=utf-8' })
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.style.display = 'none'
  document.body.appendChild(link)
  link.click()
  link.remove()
  URL.revokeObjectURL(url)
}
