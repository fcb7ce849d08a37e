export { deployment } from './deployment';
export { environmentLock } from './environment-lock';
export { changeFreeze, environmentCalendars } from './freezes';
export { idTokenSpent } from './identity';
