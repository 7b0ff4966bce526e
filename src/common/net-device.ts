// A network device's name as skiff makes and accepts them (bridges, --bridge): at most 15 bytes
// (the kernel's IFNAMSIZ less its NUL), letters, digits, _ . -, not starting with a sign; no slash,
// colon or blank, which the kernel or `ip` would refuse or read otherwise.
const DEVICE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/;

export const isDeviceName = (name: string): boolean => DEVICE.test(name);
