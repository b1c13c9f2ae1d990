/**
 * The part of an eth message the codecs decode: its top-level RLP value. Bytes after it are
 * ignored, as geth ignores them (`p2p.Msg.Decode` reads one value from the payload and the rest
 * is discarded): the message size is bounded before this, so they cost nothing, and refusing
 * them would drop peers geth keeps. Inside the value, decoding stays strict.
 */
import { MAX_MESSAGE_SIZE } from '../protocol.js';
import { RlpReader } from '../../common/rlp-reader.js';

/**
 * `data` cut to its first RLP value when that is a list with bytes after it; otherwise `data`
 * itself (then the codec reports what is wrong: the size, an empty body, a malformed header).
 */
export function topLevelValue(data: Uint8Array): Uint8Array {
  if (data.length === 0 || data.length > MAX_MESSAGE_SIZE || data[0]! < 0xc0) return data;
  try {
    return RlpReader.over(data, 'message').listEncoding('message');
  } catch {
    return data;
  }
}
