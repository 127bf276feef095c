// EIP-712 typed-data hashing for the flat structs Hyperliquid signs (no nested structs, no arrays): the domain
// separator, type hashes (cached per type) and struct hashes, and the final `0x19 0x01` digest.
import { ProtocolError } from './errors.ts';
import { keccak256, keccak256Into, keccak256Utf8 } from './keccak.ts';
import { addressToBytes, hexToBytes } from './keys.ts';

export interface Eip712Field {
  name: string;
  type: string;
}

export interface Eip712Domain {
  name: string;
  version: string;
  chainId: number;
  verifyingContract: string;
}

/** A typed-data message whose field is missing or does not fit its EIP-712 type. */
export class Eip712Error extends ProtocolError {
  constructor(message: string) {
    super('bad_typed_data', message);
    this.name = 'Eip712Error';
  }
}

export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

/** `Name(type1 name1,type2 name2,…)`: the string whose keccak is the type hash. */
export function encodeType(primaryType: string, fields: readonly Eip712Field[]): string {
  return `${primaryType}(${fields.map((f) => `${f.type} ${f.name}`).join(',')})`;
}

const typeHashes = new Map<string, Uint8Array>();

/** keccak256(encodeType(...)), cached. */
export function typeHash(primaryType: string, fields: readonly Eip712Field[]): Uint8Array {
  const encoded = encodeType(primaryType, fields);
  let hash = typeHashes.get(encoded);
  if (hash === undefined) {
    hash = keccak256Utf8(encoded);
    typeHashes.set(encoded, hash);
  }
  return hash;
}

function uintBits(type: string): number | undefined {
  if (!type.startsWith('uint')) return undefined;
  const bits = type === 'uint' ? 256 : Number(type.slice(4));
  return Number.isInteger(bits) && bits >= 8 && bits <= 256 && bits % 8 === 0 ? bits : undefined;
}

/** Writes the 32-byte EIP-712 encoding of one atomic or dynamic value into out[offset, offset+32). */
export function encodeFieldValue(field: Eip712Field, value: unknown, out: Uint8Array, offset: number): void {
  const { name, type } = field;
  out.fill(0, offset, offset + 32);
  if (type === 'string') {
    if (typeof value !== 'string') throw new Eip712Error(`${name}: expected a string`);
    out.set(keccak256Utf8(value), offset);
    return;
  }
  if (type === 'address') {
    const bytes = typeof value === 'string' ? addressToBytes(value) : undefined;
    if (bytes === undefined) throw new Eip712Error(`${name}: expected a 0x address of 40 hex digits`);
    out.set(bytes, offset + 12);
    return;
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw new Eip712Error(`${name}: expected a boolean`);
    out[offset + 31] = value ? 1 : 0;
    return;
  }
  if (type === 'bytes32') {
    const bytes =
      value instanceof Uint8Array ? value : typeof value === 'string' && value.length === 66 ? hexToBytes(value, 32) : undefined;
    if (bytes === undefined || bytes.length !== 32) throw new Eip712Error(`${name}: expected 32 bytes`);
    out.set(bytes, offset);
    return;
  }
  if (type === 'bytes') {
    const bytes = value instanceof Uint8Array ? value : typeof value === 'string' ? hexToBytes(value) : undefined;
    if (bytes === undefined) throw new Eip712Error(`${name}: expected bytes`);
    keccak256Into(bytes, out, offset);
    return;
  }
  const bits = uintBits(type);
  if (bits !== undefined) {
    let n: bigint;
    if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
    else if (typeof value === 'bigint') n = value;
    else throw new Eip712Error(`${name}: expected an integer for ${type}`);
    if (n < 0n || n >> BigInt(bits) !== 0n) throw new Eip712Error(`${name}: ${n} out of range for ${type}`);
    for (let i = offset + 31; n > 0n; i--, n >>= 8n) out[i] = Number(n & 0xffn);
    return;
  }
  throw new Eip712Error(`${name}: unsupported EIP-712 type ${type}`);
}

/** hashStruct(message) = keccak256(typeHash ‖ enc(field1) ‖ … ) for a flat struct. */
export function hashStruct(
  primaryType: string,
  fields: readonly Eip712Field[],
  message: Readonly<Record<string, unknown>>,
): Uint8Array {
  const buf = new Uint8Array(32 * (fields.length + 1));
  buf.set(typeHash(primaryType, fields), 0);
  for (let i = 0; i < fields.length; i++) encodeFieldValue(fields[i], message[fields[i].name], buf, 32 * (i + 1));
  return keccak256(buf);
}

const DOMAIN_FIELDS: readonly Eip712Field[] = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
];
const domainSeparators = new Map<string, Uint8Array>();

/** hashStruct(EIP712Domain) for {name, version, chainId, verifyingContract}, cached. */
export function domainSeparator(domain: Eip712Domain): Uint8Array {
  const key = `${domain.name}\u0000${domain.version}\u0000${domain.chainId}\u0000${domain.verifyingContract.toLowerCase()}`;
  let hash = domainSeparators.get(key);
  if (hash === undefined) {
    hash = hashStruct('EIP712Domain', DOMAIN_FIELDS, { ...domain });
    domainSeparators.set(key, hash);
  }
  return hash;
}

/** keccak256(0x19 0x01 ‖ domainSeparator ‖ structHash), the 32 bytes that are signed. */
export function eip712Digest(domainSep: Uint8Array, structHash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(66);
  buf[0] = 0x19;
  buf[1] = 0x01;
  buf.set(domainSep, 2);
  buf.set(structHash, 34);
  return keccak256(buf);
}
