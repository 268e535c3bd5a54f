/**
 * The floor of the WebSocket row: bare `ws` carrying NDJSON the way raw net does, with nothing
 * a library adds. Each frame holds lines, split by raw net's hand splitter (`line-splitter.ts`);
 * every frame the bench sends ends with a newline, so no line waits for the next frame. Every
 * reply produced by one received frame goes out as a single frame, and a client's sends outside a
 * reply callback go out as one frame at `flush()`. No limits, queue, counters or error policy:
 * what @proj ws's framing costs at least, so that the row can tell the framing's cost from the
 * library's.
 */
import type { RawData } from 'ws';
import { LineSplitter } from '../line-splitter.js';
import { closeWs, openWsClient, startWsServer } from './bare-ws.js';
import { batchingClient, type BenchClient, type Contender, type EchoServer, type Endpoint, type ReplyHandler } from './contender.js';

export const rawWs: Contender = {
  startServer(endpoint: Endpoint): Promise<EchoServer> {
    return startWsServer(endpoint, (socket) => {
      let out = '';
      const splitter = new LineSplitter((line) => {
        out += JSON.stringify(JSON.parse(line)) + '\n';
      });
      socket.on('message', (data: RawData) => {
        splitter.push(data.toString());
        if (out === '') return;
        socket.send(out);
        out = '';
      });
    });
  },

  async connect(endpoint: Endpoint, onReply: ReplyHandler): Promise<BenchClient> {
    const splitter = new LineSplitter((line) => onReply(JSON.parse(line)));
    // Replies arrive only after a send, so after `client` below is set.
    const socket = await openWsClient(endpoint, (data: RawData) => {
      splitter.push(data.toString());
      client.flush(); // the sends this frame's replies triggered: one frame
    });
    const client = batchingClient(
      (text) => socket.send(text),
      () => closeWs(socket),
    );
    return client;
  },
};
