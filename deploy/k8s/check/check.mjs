// Checks deploy/k8s/*.yaml offline, run by deploy/k8s/check/run.sh (K8sManifestsIT in mvn verify):
// 1. every object against the Kubernetes API schema of its kind (kubernetes-models' validate()),
//    and strictly: a field the schema does not know is an error (as `kubectl apply
//    --validate=strict` would say; validate() alone lets unknown fields through);
// 2. the rules that tie the manifests to the node (drain timeout, probes, ports, settings names,
//    memory sizing) and to each other (selectors, port names, kustomization).
// Prints one line per object and per rule; exits 1 on any error.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const here = dirname(fileURLToPath(import.meta.url));
const k8sDir = join(here, "..");
const repo = join(k8sDir, "..", "..");
const groups = { v1: core, "apps/v1": apps, "policy/v1": policy, "networking.k8s.io/v1": networking,
  "monitoring.coreos.com/v1": monitoring };

const errors = [];
const error = (message) => errors.push(message);

/** The model class of an object, or null. */
function modelOf(object) {
  const group = groups[object?.apiVersion];
  const model = group?.[object?.kind];
  return typeof model === "function" ? model : null;
}

/**
 * A copy of value whose objects record which of their properties were read. The schemas' compiled
 * validators read every property they know, so what nobody read after validate() is unknown.
 */
function tracked(value, path, unread) {
  if (value === null || typeof value !== "object") {
    return value;
  }
  const read = new Set();
  const copy = Array.isArray(value)
    ? value.map((item, i) => tracked(item, `${path}/${i}`, unread))
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tracked(v, `${path}/${k}`, unread)]));
  if (!Array.isArray(value)) {
    unread.push(() => Object.keys(value).filter((k) => !read.has(k)).map((k) => `${path}/${k}`));
  }
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === "string") read.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") read.add(key);
      return Reflect.has(target, key);
    },
  });
}

/** Schema errors and unknown fields of one object, as messages. */
function schemaProblems(object) {
  const model = modelOf(object);
  if (!model) {
    return [`no schema for ${object?.apiVersion} ${object?.kind}`];
  }
  const unread = [];
  const data = tracked(new model(object).toJSON(), "", unread);
  const problems = [];
  try {
    model.prototype.validate.call(data);
  } catch (e) {
    problems.push(e.message.trim());
  }
  // The topmost unknown field only: nothing below it was read either.
  const unknown = unread.flatMap((f) => f());
  for (const field of unknown.filter((f) => !unknown.some((g) => f.startsWith(`${g}/`)))) {
    problems.push(`unknown field ${field}`);
  }
  return problems;
}

// The validator must still catch what it is here for: a wrong type and a misspelt field.
const canary = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "canary" },
  spec: { replicas: "3", selector: { matchLabels: { a: "b" } },
    template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i", readinesProbe: {} }] } } } };
const caught = schemaProblems(canary).join("\n");
if (!/replicas/.test(caught) || !/unknown field \/spec\/template\/spec\/containers\/0\/readinesProbe/.test(caught)) {
  error(`the validator no longer catches a wrong type and an unknown field: ${caught || "nothing reported"}`);
}

// --- Read and validate every manifest ---------------------------------------------------------
const files = readdirSync(k8sDir).filter((f) => f.endsWith(".yaml")).sort();
const objects = [];
let kustomization = null;
for (const file of files) {
  const docs = parseAllDocuments(readFileSync(join(k8sDir, file), "utf8"));
  for (const doc of docs) {
    if (doc.errors.length) {
      error(`${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const object = doc.toJS();
    if (object === null) continue;
    if (object.kind === "Kustomization") {
      kustomization = { file, object };
      continue;
    }
    const problems = schemaProblems(object);
    const name = `${file}: ${object.kind} ${object.metadata?.name}`;
    if (problems.length) {
      error(`${name}:\n    ${problems.join("\n    ")}`);
    } else {
      console.log(`ok   ${name} (${object.apiVersion})`);
    }
    objects.push(object);
  }
}

// --- Rules ------------------------------------------------------------------------------------
function rule(description, holds) {
  if (holds) {
    console.log(`ok   ${description}`);
  } else {
    error(`rule broken: ${description}`);
  }
}
const one = (kind) => objects.find((o) => o.kind === kind);
const named = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
const deployment = named("Deployment", "pushgate");
const settings = named("ConfigMap", "pushgate-settings")?.data ?? {};
const pod = deployment?.spec?.template?.spec ?? {};
const container = pod.containers?.[0] ?? {};
const podLabels = deployment?.spec?.template?.metadata?.labels ?? {};
const matches = (selector) => selector && Object.entries(selector).every(([k, v]) => podLabels[k] === v);
const portNamed = (name) => container.ports?.find((p) => p.name === name);

/** Seconds of a node duration setting (30s, 500ms, 2m, 1h). */
function seconds(text) {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text ?? "");
  if (!m) return NaN;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
}
/** Bytes of a Kubernetes quantity (Mi, Gi) or a JVM size (256m, 1g). */
function bytes(text) {
  const m = /^(\d+)(Ki|Mi|Gi|k|m|g)?$/.exec(text ?? "");
  if (!m) return NaN;
  return Number(m[1]) * ({ Ki: 1024, Mi: 1 << 20, Gi: 1 << 30, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2]] ?? 1);
}

// Each setting the manifests give must be a node setting: deploy/systemd/pushgate.env names every
// flag (the smoke test checks it against --help).
const envFile = readFileSync(join(repo, "deploy/systemd/pushgate.env"), "utf8");
const known = new Set([...envFile.matchAll(/^#?(PUSHGATE_[A-Z_]+|JAVA_OPTS)=/gm)].map((m) => m[1]));
const unknownSettings = [...Object.keys(settings), ...(container.env ?? []).map((e) => e.name)]
  .filter((k) => !known.has(k));
rule(`every setting is a node setting of pushgate.env (unknown: ${unknownSettings.join(", ") || "none"})`,
  unknownSettings.length === 0);

const drain = seconds(settings.PUSHGATE_DRAIN_TIMEOUT ?? "30s");
const grace = seconds(settings.PUSHGATE_DRAIN_GRACE ?? "1s");
// Main gives a drain its timeout + 5 s before it exits anyway.
rule(`terminationGracePeriodSeconds (${pod.terminationGracePeriodSeconds}) > drain timeout (${drain} s) + 5 s`,
  pod.terminationGracePeriodSeconds > drain + 5);
rule(`drain grace (${grace} s) < drain timeout (${drain} s)`, grace < drain);
rule("enableServiceLinks is false (the Service 'pushgate' would set PUSHGATE_PORT=tcp://…)",
  pod.enableServiceLinks === false);

const adminPort = Number(settings.PUSHGATE_ADMIN_PORT ?? 9090);
const publicPort = Number(settings.PUSHGATE_PORT ?? 8080);
rule(`container port admin = PUSHGATE_ADMIN_PORT (${adminPort}), http = PUSHGATE_PORT (${publicPort})`,
  portNamed("admin")?.containerPort === adminPort && portNamed("http")?.containerPort === publicPort);
rule("the admin port binds beyond loopback (PUSHGATE_ADMIN_BIND 0.0.0.0): probes come from outside the pod",
  settings.PUSHGATE_ADMIN_BIND === "0.0.0.0");
const probe = (p, path) => p?.httpGet?.path === path && p?.httpGet?.port === "admin";
rule("readiness is /readyz and liveness /healthz, both on the admin port",
  probe(container.readinessProbe, "/readyz") && probe(container.livenessProbe, "/healthz"));
rule("the pod's prometheus.io/port is the admin port",
  deployment?.spec?.template?.metadata?.annotations?.["prometheus.io/port"] === String(adminPort));

const service = named("Service", "pushgate");
rule("the Service selects the pods and carries only the http port",
  matches(service?.spec?.selector) && service.spec.ports.every((p) => p.targetPort === "http"));
rule("the Service is not sticky", (service?.spec?.sessionAffinity ?? "None") === "None");
rule("the PodDisruptionBudget selects the pods", matches(one("PodDisruptionBudget")?.spec?.selector?.matchLabels));
const monitor = one("PodMonitor");
rule("the PodMonitor selects the pods and scrapes the admin port",
  matches(monitor?.spec?.selector?.matchLabels) && monitor.spec.podMetricsEndpoints.every((e) => e.port === "admin"));
rule("the Deployment's selector matches its pods", matches(deployment?.spec?.selector?.matchLabels));

const ingresses = objects.filter((o) => o.kind === "Ingress");
const streamsIngress = named("Ingress", "pushgate-streams");
const annotation = (ingress, k) => ingress?.metadata?.annotations?.[`nginx.ingress.kubernetes.io/${k}`];
const heartbeat = seconds(settings.PUSHGATE_HEARTBEAT ?? "40s");
rule("no Ingress buffers responses (proxy-buffering off)", ingresses.every((i) => annotation(i, "proxy-buffering") === "off"));
rule(`the streams Ingress' read and send timeouts (${annotation(streamsIngress, "proxy-read-timeout")} s) are at least 3 heartbeats (${heartbeat} s)`,
  Number(annotation(streamsIngress, "proxy-read-timeout")) >= 3 * heartbeat
    && Number(annotation(streamsIngress, "proxy-send-timeout")) >= 3 * heartbeat);
rule("no Ingress has session affinity", ingresses.every((i) => !annotation(i, "affinity")));
rule("every Ingress routes to the Service's http port", ingresses.length === 2 && ingresses.every((i) => i.spec.rules.every(
  (r) => r.http.paths.every((p) => p.backend.service.name === service?.metadata?.name && p.backend.service.port.name === "http"))));
// The streams Ingress's paths must be exactly the stream paths (deploy/nginx's location regex).
const streamPaths = streamsIngress?.spec?.rules?.flatMap((r) => r.http.paths.map((p) => p.path)) ?? [];
const isStream = (path) => streamPaths.some((p) => new RegExp(`^${p}`).test(path));
rule(`the streams Ingress takes the stream paths and nothing else (${streamPaths.join(", ")})`,
  annotation(streamsIngress, "use-regex") === "true" && isStream("/events") && isStream("/topics/news/events")
    && !isStream("/topics/news") && !isStream("/") && !isStream("/pushgate.js") && !isStream("/topics/a/b/events"));
const retryService = named("Service", "pushgate-stream-retry");
const retryDeployment = named("Deployment", "pushgate-stream-retry");
rule("the streams Ingress sends 502, 503 and 504 (and a Service without ready pods) to the stream-retry backend",
  (annotation(streamsIngress, "custom-http-errors") ?? "").split(",").sort().join(",") === "502,503,504"
    && annotation(streamsIngress, "default-backend") === retryService?.metadata?.name);
const retryLabels = retryDeployment?.spec?.template?.metadata?.labels ?? {};
rule("the stream-retry Service selects its Deployment's pods",
  Object.entries(retryService?.spec?.selector ?? {}).every(([k, v]) => retryLabels[k] === v)
    && Object.keys(retryService?.spec?.selector ?? {}).length > 0);
const retryConf = named("ConfigMap", "pushgate-stream-retry")?.data?.["nginx.conf"] ?? "";
rule("the stream-retry nginx.conf answers 200 text/event-stream with a retry: (checked live by run.sh)",
  /default_type text\/event-stream;/.test(retryConf) && /return 200 ".*retry: \$pushgate_retry/.test(retryConf));

// Heap (a share of the limit) + direct memory must leave room for the JVM's own memory and the
// kernel's socket buffers within the memory limit.
const javaOpts = settings.JAVA_OPTS ?? "";
const limit = bytes(container.resources?.limits?.memory);
const heapShare = Number(/-XX:MaxRAMPercentage=([\d.]+)/.exec(javaOpts)?.[1]) / 100;
const direct = bytes(/-XX:MaxDirectMemorySize=(\w+)/.exec(javaOpts)?.[1]);
const rest = limit - heapShare * limit - direct;
rule(`heap ${Math.round(heapShare * limit / 2 ** 20)} MiB + direct ${direct / 2 ** 20} MiB leave ${Math.round(rest / 2 ** 20)} MiB (>= 25 %) of the ${limit / 2 ** 20} MiB limit`,
  rest >= 0.25 * limit);
rule("memory request = limit (the heap is touched at start)",
  container.resources?.requests?.memory === container.resources?.limits?.memory);
rule("the auth Secret is mounted without subPath (a rotation must reach the running pod)",
  (container.volumeMounts ?? []).every((m) => !m.subPath) &&
  settings.PUSHGATE_AUTH_SECRET_FILE?.startsWith(
    (container.volumeMounts ?? []).find((m) => pod.volumes?.find((v) => v.name === m.name)?.secret)?.mountPath + "/"));

const listed = [...(kustomization?.object?.resources ?? [])].sort();
const manifests = files.filter((f) => f !== kustomization?.file);
rule(`kustomization.yaml lists every manifest (${manifests.length})`, JSON.stringify(listed) === JSON.stringify(manifests));

if (errors.length) {
  for (const e of errors) console.error(`FAIL ${e}`);
  process.exit(1);
}
console.log(`deploy/k8s: ${objects.length} objects valid, every rule holds`);
