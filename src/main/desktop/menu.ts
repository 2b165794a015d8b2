/** The native menu: File/Quit, View/Reload (+ DevTools in development), Help/About. */
import { app, dialog, Menu, type MenuItemConstructorOptions } from 'electron'

/** Installs the application menu. `isDev` adds the developer tools toggle. */
export function installMenu(isDev: boolean): void {
  const isMac = process.platform === 'darwin'
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [isMac ? { role: 'close' } : { role: 'quit' }] },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(isDev ? [{ role: 'toggleDevTools' as const }] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' }
      ]
    },
    {
      label: 'Help',
      submenu: [
        {
          label: 'About KubeDesk',
          click: () =>
            void dialog.showMessageBox({
              type: 'info',
              title: 'About KubeDesk',
              message: `KubeDesk ${app.getVersion()}`,
              detail:
                'A local multi-node Kubernetes-style cluster you can see and drive.\n' +
                `Electron ${process.versions.electron}, Node ${process.versions.node}`
            })
        }
      ]
    }
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
