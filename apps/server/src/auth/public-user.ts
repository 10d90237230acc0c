import type { PublicUser } from '@jwt-lab/shared';

/** What any client may see of an account: never its password hash or email. */
export const publicUser = (user: { id: string; username: string }): PublicUser => ({ id: user.id, username: user.username });
