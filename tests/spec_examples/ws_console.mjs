// Glue shared by the websocket-api.md examples run with node (not part of the spec):
// - node prints each console.log on one line (a browser console would show it folded), so
//   the test can read the output line by line;
// - standing in for "the user closes the page": when standard input ends, `whenDone` runs.
import util from 'node:util';

util.inspect.defaultOptions.breakLength = Infinity;
util.inspect.defaultOptions.compact = true;
util.inspect.defaultOptions.depth = null;

export function whenDone(callback) {
  process.stdin.on('end', callback);
  process.stdin.resume();
}

// Every message a stand-in handler saw, as one JSON line the test parses exactly.
export function handled(message) {
  console.log(`HANDLED ${JSON.stringify(message)}`);
}
