import { RECONNECT_BLOCK } from './reconnect-bench.js';

/** The "how these numbers are made" section every report ends with: what each measurement means and where it can mislead. */
export const METHODOLOGY = `## How these numbers are made

- **Ratios, rounds.** Every round runs each trial (contenders and references) once, in an order
  from a Williams design: each round is followed by its reverse, so which of two trials goes first
  is balanced to within one round in every section, however few its rounds; over a full cycle of
  2n rounds for n trials (not reached by the memory section, 3 rounds of 12 trials) each trial
  also runs at every position and right after every other equally often. The transport section
  goes further: within each round its loads run in blocks, and the blocks follow the same design.
  The ratio is taken within the round, then reduced to the median and the quartiles over rounds. Absolute values (msg/s, µs, KiB) are medians too, for context only: on
  this machine they move by ±30 % between rounds.
- **Verdicts.** A target is met when each of its checks (a median ratio; for reconnect, p90s in
  ms) is within its bound, compared unrounded: a check that misses says so and by which bound
  (\`(missed: > 1.10×)\`), and a value that would round to its bound is given to more decimals
  (\`1.101×\`). Rows in parentheses after a target's checks (a floor, a bound, CPU per message)
  qualify it and are not judged. \`bench/src/targets.test.ts\` holds each check to its row,
  contender and metric.
- **Decode / encode** run in one process on a seeded corpus (small ticks
  \`{"type":"tick","good":1234,"seq":N}\`; ~1 KiB nested orders with non-ASCII text), cut into
  64 KiB and 1 KiB views at arbitrary byte offsets (inside multi-byte characters too). Stream
  contenders are fed with backpressure honoured and timed until \`end\`. The decode reference
  parses strings made once per case (untimed) and kept for all its trials: flat strings allocated
  together, as a splitter hands them over, in the old generation after the warm-up like any
  long-lived input. Made anew before each trial, every scavenge in the reference's timed loop
  copied the whole young corpus: it moved 123–187 k/s between trials (212–226 k/s kept), and
  contenders came out faster than this limit. Timed over the corpus's own \`JSON.stringify\`
  output (cons strings), its throughput differed 2× between two cases of one run. It skips UTF-8
  decoding; for the ~1 KiB non-ASCII corpus \`Buffer#toString\` alone costs about a third of what \`JSON.parse\` does on Node 20.
  @proj decodes long non-ASCII windows with ICU instead (\`buffer.transcode\` from 2 KiB; ICU's
  converter behind a streaming \`TextDecoder\` from 128 B, its validity scan skipped when the window
  ends in an ASCII byte). At 1 KiB chunks every ~949 B message straddles two chunks and needs a
  decode call of its own: ~1.2 µs next to ~4.2 µs of \`JSON.parse\`. The *bound* row measures that
  limit in the same rounds: each line decoded from its own bytes by the fastest exact route Node 20
  has for it (ICU, as @proj does; per line, \`Buffer#toString\` measured 0.71× and ICU 0.74–0.77×
  in isolation) and parsed, with no splitting at all. It is a measured limit, not a proven one: a
  decoder that streams each 1 KiB chunk whole through ICU makes slightly fewer decode calls (one per
  chunk, against one per ~949 B line), but ends each line by string concatenation, which
  \`JSON.parse\` flattens (a copy); it measured 0.70×, under the floor below. Fed 64 KiB chunks, a
  decoder that decodes whole windows beats the bound. The ~1 KiB *floor* row is the least a decoder
  of such chunks does: the bytes a chunk ends in held by reference and joined with the next chunk's
  head in one copy, each line decoded the same way and parsed, with no line limit, counters, ASCII
  path or error handling. Where their time goes, by native profile (each workload alone in a process;
  \`node --cpu-prof\` charges \`JSON.parse\` and ICU to their JavaScript callers, \`perf\` names them):
  \`perf record -e cpu-clock -F 4000 -o proj.perf node --perf-basic-prof --logfile=/dev/null --import tsx bench/src/profile-decode.ts proj\`
  (or \`reference\`, \`bound\`, \`floor\`), then \`bench/src/perf-categories.ts\` over their
  \`perf report --no-children --sort dso,symbol --stdio -n\`. All four parse the same lines; per
  100 samples in V8's JSON parser, the bound, the floor and @proj each spent 16–19 more than the
  reference converting UTF-8 to UTF-16, and 5–9 more in V8's string and view allocation and
  malloc/free (four runs of each). For the ~40 B ASCII messages the *floor* row is the least a
  splitter does: each chunk checked for ASCII and copied into one string (\`isAscii\` +
  \`latin1Slice\`), split with \`indexOf\`/\`slice\`, its last line held as a string, each value
  handed to a callback; no line limit, counters or error handling. @proj's decoder does the same
  per byte, plus those. An all-ASCII chunk of 256 B or more is decoded in one copy, and the
  line it ends in is kept as a slice of that text, so the next chunk ends it with a concatenation.
- **Transport.** One echo-server process and one client process per contender, on 127.0.0.1 or a
  unix socket under the temp directory, started afresh for every round and warmed up first (a
  process's JIT outcome lasts its life: one pair per run made whole runs differ). Within a round,
  each measured load runs in blocks (full runs: 10 blocks of 20,000 pipelined messages, then 10 of
  2,000 round trips), every pair running one block in turn, in an order from the Williams design
  continued from block to block: the pairs alternate every 0.1–0.4 s, so a slow phase of the machine
  falls on all of them alike. A round's figures pool its blocks: throughput over their summed time,
  percentiles over all its round trips. Each round-trip block follows 1,000 unrecorded round
  trips: after the other pairs' blocks a process finds its data gone from the CPU's caches, and
  its first several hundred round trips run slower, the more so the larger its working set (with
  50, @proj ws measured 1.08–1.11× bare ws at p50 and 1.14–1.16× in CPU in four full runs; with
  1,000, 1.07× and 1.09× in one). Pipelined blocks have no lead-in and last 40–400 ms. Every server
  runs on one CPU and every client on another, all their threads pinned (\`taskset -c\`; the
  *Transport processes* line above says which, or that the kernel placed them): every round trip
  pays a wake-up across CPUs, V8's background threads (GC, compilation) share their process's one
  CPU, and absolute µs are not comparable with unpinned runs. Before the blocks, each pair ran its
  whole load in turn (~5 s), and the machine's speed drifted between a contender and its
  reference: bare ws's p50 ranged 37–74 µs over the 7 rounds of one pinned full run, and the ws
  row's p50 ratio read 1.08× [1.03–1.32] and 0.79× [0.73–0.86] in two pinned full runs of the
  same code. With the blocks, absolute µs still move ±15 % from round to round, but in the first
  full transport run with them the p50 ratios' quartiles were tcp [1.03–1.04], unix [1.04–1.05],
  ws [1.07–1.12] and the ws floor [1.00–1.02]; p99, the 200 slowest of 20,000, still moves more.
  *Raw net writing in parts* doubles as an A/A control of the round trips: a round trip carries
  one line, so it runs the reference's round-trip path (one length comparison more per line) in a
  pair of its own, and its RTT ratios, quoted after the tcp RTT target, show how far two pairs of
  the same code land apart in one run. In four full runs of 10 pairs its p99 read 0.97–1.04×
  while @proj tcp's read 1.10–1.18×; in runs of 4 pairs @proj tcp's read 1.02–1.06×. *RTT CPU per round trip* and
  \`rtt-in-process.ts\` (below) tell the code's cost from the scheduling's. Every server
  decodes each message and encodes a reply; every client sends through its library's per-message
  API. The WebSocket row's *floor* is bare \`ws\` carrying NDJSON with nothing a library adds: lines
  split by hand, the replies to one frame sent as one frame, as are a client's first sends. It is
  the least @proj ws's framing costs, so the row separates the cost of batching lines into frames
  from what @proj adds. The references write the replies to a received chunk once the whole chunk
  is handled; @proj writes them as soon as they may fill its \`highWaterMark\` (21,846 UTF-16
  units at the default 64 KiB: about 570 small replies of a ~1,000-message chunk), so the other
  process starts on them while this one makes the rest, and its pipelined throughput can exceed
  the reference's while it spends more CPU per message. Full runs therefore add *raw net writing
  in parts*: the reference's code writing at the same point, as a contender of the tcp row and as
  the reference of a row of its own (*tcp, against raw net writing in parts*), which compares
  @proj with a hand-written server that writes when it does.
  *Pipelined*: \`window\` messages in flight until all replies are back.
  *CPU per message*: user + system time of both processes over the pipelined load, divided by
  messages — steadier than wall time when other work shares the machine. *RTT*: sequential request →
  reply, percentiles of every round trip, measured after 5,000 unmeasured ones. A round trip runs
  the per-chunk code the pipelined load runs once per ~1,000 messages, and V8 still compiles it
  during the first ~3,000 round trips after that load (\`--trace-opt\`, one run: 18 compilations in
  @proj's server, 4 in raw net's). With the earlier 2,000-round-trip warm-up ahead of the pipelined
  load, the first 1,000 measured round trips held 77–172 slow ones (> 1.8× the median) for @proj and
  30–50 for raw net, against mostly 10–30 per 1,000 for both afterwards: most of @proj's p99 excess.
  With the 5,000 right before them, the first 1,000 hold 9–37 for @proj and 10–29 for raw net (7
  rounds each). That warm-up's own p99 is a row of its own (*RTT p99, first 5,000 after the
  pipelined load*): what a process that has only carried bulk traffic pays on its first round trips.
  The CPU path of a round trip alone, both ends in one process, steadier than two processes (±0.3 µs
  between runs on quiet days; six runs on a noisy one put proj-ws at 0.97–1.08× bare ws):
  \`npx tsx bench/src/rtt-in-process.ts raw-net,proj-tcp\` (or \`raw-unix,proj-unix\`, \`bare-ws,raw-ws,proj-ws\`).
  *RTT CPU per round trip*: user + system time of both processes over the measured round trips,
  divided by them; the wake-up syscalls count, the time spent waiting to run does not. It tells an
  RTT ratio that comes from the code path from one that comes from scheduling. It is not a share
  of the latency: both processes run at once around each wake-up, and V8's background threads count.
- **Memory.** A server process holds N idle connections opened by another process; a warm-up
  (200 connections opened and closed) precedes the baseline, so one-time costs are not divided by
  N; RSS and heap are read after forced full GCs. *default V8 heap* is the issue's definition, but
  V8's young generation grows with the accept burst and stays resident, adding KiB per connection
  at random (each row shows the young generation held, and the *of RSS: empty young-generation
  pages* row how much of the RSS per connection is its pages made resident while the
  connections were opened, as V8 counts them: \`physical_space_size\` of \`new_space\`, empty
  after the GC; a young generation of one size can hold more or fewer of them, with what the
  server allocated while accepting). The step is a threshold, not a slope:
  the raw net server itself, made to keep more per connection (an array), went from 16 to
  32 MiB of young generation at N = 5,000 with 128 B more in one run (RSS 2.5 → 3.2 KiB per
  connection), and in another stayed at 16 MiB up to 192 B more (heap +0.19 KiB per connection)
  and went to 32 MiB from 256 B (+0.31 KiB; RSS 3.4–4.0 KiB, from 1.7–2.6 KiB unpadded).
  Garbage moves it too, and not monotonically: the raw server made to allocate and drop an
  array per connection stayed at 16 MiB with 128 B, went to 32 MiB with 256, 512 and 768 B,
  stayed with 1,024 B and went again with 1,536 and 2,048 B (one run each; 768 B went once and
  stayed once). What accepting one connection allocates, garbage included, by stack:
  \`node --import tsx bench/src/heap-census.ts proj-tcp --alloc\`.
  *young gen pinned to 1 MiB*
  (\`--min/max-semi-space-size=1\`) shows what connections retain. *connections idle after one
  message each way* (default heap) shows what they retain once used: each sent one line and got
  the reply before going idle. Targets are judged on the first. What one connection keeps alive, object type by object type:
  \`node --expose-gc --import tsx bench/src/heap-census.ts proj-tcp\` (or \`raw-net\`, \`bare-ws\`, \`proj-ws\`).
- **Reconnect.** An @proj client (defaults) and a bare reconnect-core client (fibonacci from
  50 ms, 10 s cap), in a process started for this section, reconnect to one TCP server process that is
  stopped (listener closed, connections destroyed) and restarted after each outage of the
  schedule. The clients take turns, each alone in the process: the schedule runs in blocks of ${RECONNECT_BLOCK}
  outages, each block once per client, the order alternating from block to block, after one
  unsampled restart per client (its first reconnect in the process compiles its code). Side by side
  (earlier runs) each client's backoff timer now and then fell while the other was connecting,
  and the later one paid for the other's cold connect path: @proj's added p90 was 2.12–3.00 ms
  over four full runs, 1.48 ms alone in a 40-restart probe, and reconnect-core's 1.64–1.71 ms
  against 1.47–1.60 ms alone. In the benchmark's main process, after the decode and encode
  sections, @proj's added p90 was 2.69 ms even alone, and 1.80 ms in a fresh process after the
  same sections (reconnect-core 1.60 and 1.38 ms). It runs before the memory section,
  whose ~100k closed loopback connections sit in TIME_WAIT for a minute: run after it, @proj's
  added p90 was 2.29 and 2.69 ms (reconnect-core 1.49, 2.06).
  *listen → connected*: from the server's listen callback to the client's connect event (one
  shared clock). *attempt → connected*: from the successful attempt's dial (reconnect-core's
  \`reconnect\` event; for @proj, the transport's \`dial()\` call). *added over
  schedule*: connected minus the instant the client's backoff timer for that attempt was due (or
  the listen, if later). *Floor*: a bare client made of a \`setTimeout\` of a backoff-like
  delay in whole ms (54–503 ms, as both clients' are) and a \`net.connect()\` when it fires, against the same server
  after each block, as many times as the block had restarts (60 in a full run): connected minus
  the instant the timer was due (*added over schedule*), and minus the instant it fired
  (*attempt → connected*). libuv's timers fire up to 1 ms late
  (their resolution), and a connect from a process that has idled takes longer than one made
  back to back (the *hot* row), several times longer on this machine, both inside
  \`net.connect()\` and from its return to the \`connect\` event, for a bare socket as for
  @proj's. So this row is what any client's *added over
  schedule* and *attempt → connected* start from here, and a client's excess over it is its own
  code, run cold. The target reads "≤ 2 ms added over the schedule, and p90 of listen →
  connected at or under reconnect-core's on the same schedule".
`;
