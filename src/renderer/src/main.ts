/** The renderer's entry: one Vue app with Pinia and the desktop API for this environment. */
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { createDesktopApi, desktopApiKey } from './api/desktop-api'

createApp(App).use(createPinia()).provide(desktopApiKey, createDesktopApi()).mount('#app')
