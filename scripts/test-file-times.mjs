// A reporter for Node's test runner that prints, after the run, how long each test file took, slowest first — so the
// suite's time can be read and kept under its budget. Files run one at a time (--test-concurrency=1) and a file's
// events can arrive in one burst when its process ends, so a file's time is from the previous file's last event to
// its own last one.
//   node --test --test-reporter=spec --test-reporter-destination=stdout \
//        --test-reporter=./scripts/test-file-times.mjs --test-reporter-destination=stdout …
export default async function* fileTimes(source) {
  const started = Date.now();
  const last = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    if (file) last.set(file, Date.now());
  }
  let previous = started;
  const rows = [...last].sort((a, b) => a[1] - b[1]).map(([file, at]) => {
    const row = { file, s: (at - previous) / 1000 };
    previous = at;
    return row;
  });
  rows.sort((a, b) => b.s - a.s);
  yield `\n# time per test file (${rows.length} files, ${Math.round((previous - started) / 1000)} s in all), slowest first\n`;
  for (const r of rows) yield `#   ${r.s.toFixed(1).padStart(7)} s  ${r.file.replace(process.cwd() + "/", "")}\n`;
}
