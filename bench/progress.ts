// The bench's clock and its progress lines on stderr (stdout carries only the report or the JSON).

/** When the bench started: the elapsed time on every line, the run's startedAt and its profiles' names. */
export const benchStarted = Date.now();

export const progress = (text: string) =>
	process.stderr.write(
		`[bench ${((Date.now() - benchStarted) / 1000).toFixed(0).padStart(3)} s] ${text}\n`,
	);
