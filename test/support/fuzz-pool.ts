/** The creative id the fuzz DSP gives its approved creative (test/support/fuzz-dsp.ts). */
export const FUZZ_CRID = "fz-ok";
