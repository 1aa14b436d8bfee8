/**
 * A host on this machine: plain HTTP is allowed to it (an emulator, a local server) and nowhere else. An address
 * or name, as `URL.hostname` gives it (IPv6 in brackets).
 */
export const isLoopbackHost = (hostname: string) =>
  /^(?:127(?:\.\d{1,3}){3}|localhost|\[::1\])$/.test(hostname);
