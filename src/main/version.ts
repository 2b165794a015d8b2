import { version } from '../../package.json'

/**
 * The KubeDesk release, from package.json. Bundled into the build (electron-vite inlines the
 * JSON field), read directly when run from source with tsx.
 */
export const KUBEDESK_VERSION: string = version
