/**
 * The floor of the WebSocket row: bare `ws` carrying NDJSON the way raw net does, with nothing
 * a library adds. Each frame holds lines (a frame's end also ends its last line), split by hand;
 * every reply produced by one received frame goes out as a single frame, and a client's sends
 * outside a reply callback go out as one frame at `flush()`. No limits, queue, counters or error
 * policy: what @proj ws's framing costs at least, so that the row can tell the framing's cost
 * from the library's.
 */
import type { RawData } from 'ws';
import { closeWs, openWsClient, startWsServer } from './bare-ws.js';
import { batchingClient, type BenchClient, type Contender, type EchoServer, type Endpoint, type ReplyHandler } from './contender.js';

/** Calls `onLine` for each line of one frame: lines end at `\n` and at the frame's end. */
function eachLine(data: RawData, onLine: (line: string) => void): void {
  const text = data.toString();
  let pos = 0;
  let nl = text.indexOf('\n');
  while (nl !== -1) {
    if (nl > pos) onLine(text.slice(pos, nl));
    pos = nl + 1;
    nl = text.indexOf('\n', pos);
  }
  if (pos < text.length) onLine(pos === 0 ? text : text.slice(pos));
}

export const rawWs: Contender = {
  startServer(endpoint: Endpoint): Promise<EchoServer> {
    return startWsServer(endpoint, (socket) => {
      let out = '';
      const reply = (line: string): void => {
        out += JSON.stringify(JSON.parse(line)) + '\n';
      };
      socket.on('message', (data: RawData) => {
        eachLine(data, reply);
        if (out === '') return;
        socket.send(out);
        out = '';
      });
    });
  },

  async connect(endpoint: Endpoint, onReply: ReplyHandler): Promise<BenchClient> {
    const onLine = (line: string): void => onReply(JSON.parse(line));
    // Replies arrive only after a send, so after `client` below is set.
    const socket = await openWsClient(endpoint, (data: RawData) => {
      eachLine(data, onLine);
      client.flush(); // the sends this frame's replies triggered: one frame
    });
    const client = batchingClient(
      (text) => socket.send(text),
      () => closeWs(socket),
    );
    return client;
  },
};
