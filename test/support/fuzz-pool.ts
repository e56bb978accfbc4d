/** The creative id the fuzz DSP gives its approved creative (test/support/fuzz-dsp.ts). */
export const FUZZ_CRID = "fz-ok";
/** The advertiser its approved creative declares: approval is keyed on it too (px/auction/approval.ts). */
export const FUZZ_ADOMAIN = "fuzz-brand.example";
