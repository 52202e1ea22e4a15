// The password rules, importable anywhere (pages, client components) without loading the hashing library.
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
