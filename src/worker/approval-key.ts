/** Where a creative's approval lives in the APPROVALS replica (also used by the dev seed script). */
export const approvalKvKey = (creativeKey: string) => `creative:${creativeKey}`;
