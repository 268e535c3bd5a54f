/**
 * `DEFAULT_MAX_PAYLOAD`: shared by the Node and the browser entries, so it imports core only.
 */
import { DEFAULT_MAX_LINE_BYTES } from '@proj/core';

/**
 * Default `maxPayload`, in bytes: the largest frame a side accepts, and the largest it sends.
 * Core's default `maxLineBytes` (1 MiB) plus 64 KiB for the small lines coalesced with it.
 */
export const DEFAULT_MAX_PAYLOAD = DEFAULT_MAX_LINE_BYTES + 64 * 1024;
