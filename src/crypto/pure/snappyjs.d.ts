declare module 'snappyjs' {
  function compress(data: Uint8Array): Uint8Array;
  function uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
  const _default: { compress: typeof compress; uncompress: typeof uncompress };
  export default _default;
}
