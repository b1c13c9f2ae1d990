import snappy from 'snappyjs';
import { snappyCompress, snappyUncompress } from '/work/main/dist/src/rlpx/snappy.js';
import { benchPayload } from '/work/main/dist/bench/ejs/rlpx.js';
const p = benchPayload(1<<20);
const a = snappyCompress(p), b = snappy.compress(p);
const med = (xs) => xs.sort((x,y)=>x-y)[xs.length>>1];
const r = {oc:[], sc:[], ou:[], su:[]};
for (let i = 0; i < 40; i++) {
  let t = performance.now(); snappyCompress(p); r.oc.push(performance.now()-t);
  t = performance.now(); snappy.compress(p); r.sc.push(performance.now()-t);
  t = performance.now(); snappyUncompress(a); r.ou.push(performance.now()-t);
  t = performance.now(); snappy.uncompress(b); r.su.push(performance.now()-t);
}
for (const k in r) console.log(k, med(r[k]).toFixed(2), 'ms', (1.048576/med(r[k])*1000).toFixed(0), 'MB/s');
