// How long a session lasts without use: the next-auth JWT's maxAge and a session row's expiry after its last request.
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;
