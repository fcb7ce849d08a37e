export { deployment } from './deployment';
export { environmentLock } from './environment-lock';
