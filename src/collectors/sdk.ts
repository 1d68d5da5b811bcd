/**
 * The SDK packages, loaded with `require()` on first use and let go of once
 * the reading is over (`releaseSdks`).
 *
 * `require()` rather than `import`: they are CommonJS, and imported from ESM
 * Node first scans each module's source for the names it exports
 * (cjs-module-lexer); the ECS and VPC SDKs' model indexes re-export thousands
 * of classes, a fifth of a scan's start-up (0.2–0.35 s of the 1.1–1.5 s it
 * takes to load them). Their types come from type-only imports, which load
 * nothing. The collectors are the only code that touches the SDKs.
 *
 * Released after the last read: the loaded SDKs hold about 45 MB of the heap
 * (their sources, compiled code and thousands of model classes), a quarter of
 * a scale-1 scan's live heap while the rules run, and no scan calls the cloud
 * once its inventory is read. `releaseSdks` drops the modules this file loaded
 * from Node's module cache and its own reference; nothing else in the program
 * keeps one (clients and request models are made per collection, through
 * `sdks()`). A later collection in the same process loads them again.
 *
 * Model classes are loaded when first used. Each service package's
 * `models/model.js` requires every one of the service's model files up front
 * (2,083 for ECS, 1,733 for VPC) to re-export their classes; a scan uses a few
 * dozen. Loading them all took 0.8 s of a scan's start-up and 28 MB of heap.
 * Before a service package is loaded, `lazyModelIndex` puts in Node's module
 * cache, under that file's name, an index with the same names whose values are
 * loaded from their own files on first access. It reads the file's text and
 * takes over only when every `require` and every export in it is one of the
 * two forms TypeScript emits for it (`var X_1 = require("./File");` and the
 * getter that re-exports `X_1.Name`); any other form leaves the package to
 * load as published.
 */
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as EcsSdk from '@alicloud/ecs20140526';
import type * as ImsSdk from '@alicloud/ims20190815';
import type * as OpenApiSdk from '@alicloud/openapi-core';
import type * as RamSdk from '@alicloud/ram20150501';
import type * as ResourceManagerSdk from '@alicloud/resourcemanager20200331';
import type * as StsSdk from '@alicloud/sts20150401';
import type * as VpcSdk from '@alicloud/vpc20160428';
import type * as DaraSdk from '@darabonba/typescript';

export interface Sdks {
  ecs: typeof EcsSdk.default;
  ims: typeof ImsSdk.default;
  openApi: typeof OpenApiSdk.default;
  ram: typeof RamSdk.default;
  rm: typeof ResourceManagerSdk.default;
  sts: typeof StsSdk.default;
  vpc: typeof VpcSdk.default;
  dara: typeof DaraSdk;
}

/** the service packages whose model index is loaded lazily */
const SERVICE_PACKAGES = {
  ecs: '@alicloud/ecs20140526',
  ims: '@alicloud/ims20190815',
  ram: '@alicloud/ram20150501',
  rm: '@alicloud/resourcemanager20200331',
  sts: '@alicloud/sts20150401',
  vpc: '@alicloud/vpc20160428',
} as const;

type ModuleCache = NodeJS.Require['cache'];

let loaded: Sdks | undefined;
/** the module-cache keys that loading the SDKs and their models added */
let added = new Set<string>();

/** the SDK modules, loaded on first use (and again after `releaseSdks`) */
export function sdks(): Sdks {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const lazy = new Set<string>();
  const s: Sdks = tracked(require.cache, () => {
    for (const [key, pkg] of Object.entries(SERVICE_PACKAGES)) {
      const index = lazyModelIndex(require.cache, require.resolve(pkg), (file, name) => {
        const models = tracked(require.cache, () => require(file) as Record<string, unknown>);
        // the classes of every model file this one brought in (a response brings its body)
        for (const key of models.newKeys) memoizeModelTables(require.cache[key]?.exports ?? {});
        return models.value[name];
      });
      if (index) lazy.add(key);
    }
    return {
      ecs: require(SERVICE_PACKAGES.ecs),
      ims: require(SERVICE_PACKAGES.ims),
      openApi: require('@alicloud/openapi-core'),
      ram: require(SERVICE_PACKAGES.ram),
      rm: require(SERVICE_PACKAGES.rm),
      sts: require(SERVICE_PACKAGES.sts),
      vpc: require(SERVICE_PACKAGES.vpc),
      dara: require('@darabonba/typescript'),
    };
  }).value;
  // packages loaded in full (already loaded elsewhere, or an index of another form): every class now
  for (const key of Object.keys(SERVICE_PACKAGES) as Array<keyof typeof SERVICE_PACKAGES>)
    if (!lazy.has(key)) memoizeModelTables(s[key]);
  memoizeModelTables(s.openApi.$OpenApiUtil, s.dara);
  loaded = s;
  return s;
}

/** runs `load`, recording in `added` (for `releaseSdks`) the module-cache keys it added */
function tracked<T>(cache: ModuleCache, load: () => T): { value: T; newKeys: string[] } {
  const before = new Set(Object.keys(cache));
  const value = load();
  const newKeys = Object.keys(cache).filter((key) => !before.has(key));
  for (const key of newKeys) added.add(key);
  return { value, newKeys };
}

const REQUIRE_LINE = /^var (\w+) = require\("(\.\/[\w.-]+)"\);$/gm;
const EXPORT_LINE =
  /^Object\.defineProperty\(exports, "(\w+)", \{ enumerable: true, get: function \(\) \{ return (\w+)\.(\w+); \} \}\);$/gm;

function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n += 1;
  return n;
}

/**
 * Puts a lazy model index for the service package whose client is `clientFile`
 * into the module cache (see the header). `load(file, name)` loads one model
 * file and answers its export `name`. Returns the index's cache key, or null
 * when the index is already loaded, missing, or not in the expected form.
 */
export function lazyModelIndex(
  cache: ModuleCache,
  clientFile: string,
  load: (file: string, name: string) => unknown,
): string | null {
  const dir = join(dirname(clientFile), 'models');
  const file = join(dir, 'model.js');
  if (cache[file]) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const files = new Map<string, string>();
  for (const m of text.matchAll(REQUIRE_LINE)) files.set(m[1]!, join(dir, `${m[2]!}.js`));
  const names = [...text.matchAll(EXPORT_LINE)];
  if (
    files.size === 0 ||
    files.size !== occurrences(text, 'require(') ||
    // the one other defineProperty is `__esModule`
    names.length + 1 !== occurrences(text, 'Object.defineProperty(exports, ')
  )
    return null;
  const index: Record<string, unknown> = {};
  Object.defineProperty(index, '__esModule', { value: true });
  for (const [, name, variable, exported] of names) {
    const from = files.get(variable!);
    if (!from) return null;
    let value: unknown;
    let done = false;
    Object.defineProperty(index, name!, {
      enumerable: true,
      configurable: true,
      get() {
        if (!done) {
          value = load(from, exported!);
          done = true;
        }
        return value;
      },
    });
  }
  const mod = new Module(file);
  mod.filename = file;
  mod.exports = index;
  mod.loaded = true;
  cache[file] = mod;
  return file;
}

let holds = 0;

/**
 * Keeps the SDKs loaded until the returned function is called: a collection,
 * or an organization's session, that still makes clients or requests. A copy
 * loaded after a release is a different set of classes, and the SDK's own
 * checks (`instanceof` its `Model`) would not know the requests of one copy in
 * the clients of the other; two commands run in one process (tests) must not
 * release each other's.
 */
export function holdSdks(): () => void {
  holds += 1;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    holds -= 1;
  };
}

/**
 * Lets go of the SDKs: drops this file's reference and removes from Node's
 * module cache what loading them (and their models) added. Nothing happens
 * while something holds them (`holdSdks`); returns how many modules were
 * dropped.
 */
export function releaseSdks(): number {
  if (!loaded || holds > 0) return 0;
  loaded = undefined;
  const cache = createRequire(import.meta.url).cache;
  for (const key of added) delete cache[key];
  const dropped = added.size;
  added = new Set();
  return dropped;
}

/** whether the SDKs are loaded now */
export function sdksLoaded(): boolean {
  return loaded !== undefined;
}

/**
 * Every SDK model class describes its fields with two static methods,
 * `names()` and `types()`, that build a new table on each call, and the SDK
 * calls both for every object it converts (`$dara.cast`, the `Model`
 * constructor): four fresh tables of 20–60 entries per security group rule,
 * instance or disk of an answer, about a third of a scan's allocations. The
 * tables never change: each class answers one frozen table from here on.
 */
export function memoizeModelTables(...modules: object[]): number {
  let classes = 0;
  for (const mod of modules) {
    for (const value of Object.values(mod)) {
      if (typeof value !== 'function') continue;
      const cls = value as { names?: unknown; types?: unknown };
      if (!Object.hasOwn(cls, 'names') || !Object.hasOwn(cls, 'types')) continue;
      if (typeof cls.names !== 'function' || typeof cls.types !== 'function') continue;
      if ((cls.names as { memoized?: true }).memoized) continue;
      // built on first use: a scan uses a few dozen of the SDKs' thousands of classes
      const memo = (build: () => object) => {
        let table: object | undefined;
        return Object.assign(() => (table ??= Object.freeze(build.call(cls))), {
          memoized: true as const,
        });
      };
      Object.defineProperty(cls, 'names', {
        value: memo(cls.names as () => object),
        configurable: true,
      });
      Object.defineProperty(cls, 'types', {
        value: memo(cls.types as () => object),
        configurable: true,
      });
      classes += 1;
    }
  }
  return classes;
}
