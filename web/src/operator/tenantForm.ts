// The tenant form's rules that the browser checks before asking (the server checks them all).
export const QUOTA_MIN = 20000;
export const QUOTA_MAX_WITHOUT_OVERRIDE = 40000;

/** A quota above 40,000 needs the operator's explicit confirmation (sent as quota_override). */
export function needsOverride(quota: number): boolean {
  return quota > QUOTA_MAX_WITHOUT_OVERRIDE;
}

export function seatsText(used: number, quota: number): { percent: number; full: boolean } {
  const percent = quota > 0 ? Math.round((100 * used) / quota) : 0;
  return { percent, full: used >= quota };
}
