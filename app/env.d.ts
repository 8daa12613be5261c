// React Router's Vite plugin provides this module; its shape is ServerBuild.
declare module 'virtual:react-router/server-build'
