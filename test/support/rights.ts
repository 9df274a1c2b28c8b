/** One line of getMyRights, getUserRights or getProfileRights. */
export interface Right {
  controller: string;
  action: string;
  index: string;
  collection: string;
  value: string;
}

/** A right as one comparable string, for order-blind comparisons of rights lists. */
export const rightKey = (right: Right): string => `${right.controller}:${right.action}:${right.index}:${right.collection}:${right.value}`;
