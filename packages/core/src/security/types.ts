/** Roles, profiles and users as Kuzzle models them (reference §4.4). */
export interface RoleControllers {
  [controller: string]: { actions: { [action: string]: boolean } };
}

export interface Role {
  _id: string;
  controllers: RoleControllers;
}

export interface PolicyRestriction {
  index: string;
  collections?: string[];
}

export interface Policy {
  roleId: string;
  restrictedTo?: PolicyRestriction[];
}

export interface Profile {
  _id: string;
  policies: Policy[];
  rateLimit?: number;
}

export const ANONYMOUS_KUID = '-1';
