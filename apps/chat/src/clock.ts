/** `HH:MM:SS`, local time: the prefix of every line the chat CLIs print. */
export function clock(date = new Date()): string {
  return date.toTimeString().slice(0, 8);
}
