{{/* Names: every object is <release>-<component>. */}}
{{- define "pororoca.name" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pororoca.selectorLabels" -}}
app.kubernetes.io/name: pororoca
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "pororoca.labels" -}}
{{ include "pororoca.selectorLabels" . }}
app.kubernetes.io/part-of: pororoca
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* metadata block for a component object */}}
{{- define "pororoca.metadata" -}}
name: {{ include "pororoca.name" . }}
labels:
  {{- include "pororoca.labels" . | nindent 2 }}
{{- end -}}

{{- define "pororoca.image" -}}
{{- $img := index .root.Values.images .image -}}
{{- $registry := $img.registry | default .root.Values.global.imageRegistry -}}
{{- if $registry -}}{{ $registry }}/{{ end -}}{{ $img.repository }}:{{ $img.tag }}
{{- end -}}

{{- define "pororoca.secretName" -}}
{{- .Values.global.existingSecret | default (printf "%s-credentials" .Release.Name) -}}
{{- end -}}

{{/* A secret key as an env var */}}
{{- define "pororoca.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "pororoca.secretName" .root }}
      key: {{ .key }}
{{- end -}}

{{/* Pods run as a non-root user with the runtime's default seccomp profile. */}}
{{- define "pororoca.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .uid }}
  runAsGroup: {{ .gid | default .uid }}
  fsGroup: {{ .gid | default .uid }}
  fsGroupChangePolicy: OnRootMismatch
  seccompProfile:
    type: RuntimeDefault
{{- with .root.Values.global.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "pororoca.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: {{ .readOnly }}
  capabilities:
    drop: [ALL]
{{- end -}}

{{- define "pororoca.postgresHost" -}}
{{- if .Values.postgresql.enabled -}}{{ printf "%s-postgresql" .Release.Name }}{{- else -}}{{ required "externalPostgresql.host is required when postgresql.enabled=false" .Values.externalPostgresql.host }}{{- end -}}
{{- end -}}

{{- define "pororoca.postgresPort" -}}
{{- if .Values.postgresql.enabled -}}5432{{- else -}}{{ .Values.externalPostgresql.port }}{{- end -}}
{{- end -}}

{{- define "pororoca.s3Endpoint" -}}
{{- if .Values.minio.enabled -}}{{ printf "http://%s-minio:9000" .Release.Name }}{{- else -}}{{ required "externalS3.endpoint is required when minio.enabled=false" .Values.externalS3.endpoint }}{{- end -}}
{{- end -}}

{{- define "pororoca.kafkaBootstrap" -}}
{{ .Release.Name }}-kafka:9092
{{- end -}}

{{/*
A component configuration template shared with the local runtime (files/conf is ../../stack/conf), with its
${placeholders} replaced for the cluster. Rendering fails if any placeholder is left: the two runtimes
cannot silently drift apart.
*/}}
{{- define "pororoca.conf" -}}
{{- $text := .root.Files.Get (printf "files/conf/%s" .path) -}}
{{- if not $text -}}{{- fail (printf "missing shared configuration files/conf/%s" .path) -}}{{- end -}}
{{- range $literal, $value := (.literal | default dict) -}}
{{- $text = replace $literal (toString $value) $text -}}
{{- end -}}
{{- range $key, $value := .subs -}}
{{- $text = replace (printf "${%s}" $key) (toString $value) $text -}}
{{- end -}}
{{- if regexMatch "\\$\\{[a-z][a-z0-9_.]*\\}" $text -}}
{{- fail (printf "files/conf/%s: unresolved placeholders %v" .path (regexFindAll "\\$\\{[a-z][a-z0-9_.]*\\}" $text -1)) -}}
{{- end -}}
{{- $text -}}
{{- end -}}

{{/* Peer addresses for the shared templates and the project image (POROROCA_<SERVICE>_HOST / _PORT). */}}
{{- define "pororoca.peerSubs" -}}
postgres_host: {{ include "pororoca.postgresHost" . }}
postgres_port: {{ include "pororoca.postgresPort" . }}
mariadb_host: {{ .Release.Name }}-mariadb
mariadb_port: 3306
kafka_host: {{ .Release.Name }}-kafka
kafka_port: 9092
connect_host: {{ .Release.Name }}-connect
connect_port: 8083
catalog_database: iceberg
trino_host: {{ .Release.Name }}-trino
trino_port: 8443
superset_host: {{ .Release.Name }}-superset
superset_port: 8088
minio_host: {{ .Release.Name }}-minio
minio_port: 9000
mlflow_host: {{ .Release.Name }}-mlflow
mlflow_port: 5000
fraud_host: {{ .Release.Name }}-fraud
fraud_port: 8080
airflow_host: {{ .Release.Name }}-airflow
airflow_port: 8080
{{- end -}}

{{/* Environment of every container running the project image: the same CLI as on a laptop, pointed at Services. */}}
{{- define "pororoca.projectEnv" -}}
{{- $subs := include "pororoca.peerSubs" . | fromYaml }}
{{- range $service := list "postgres" "mariadb" "kafka" "connect" "trino" "minio" "superset" "mlflow" "fraud" "airflow" }}
- name: POROROCA_{{ upper $service }}_HOST
  value: {{ index $subs (printf "%s_host" $service) | quote }}
- name: POROROCA_{{ upper $service }}_PORT
  value: {{ index $subs (printf "%s_port" $service) | quote }}
{{- end }}
- name: POROROCA_S3_ENDPOINT
  value: {{ include "pororoca.s3Endpoint" . | quote }}
- name: POROROCA_STATE_DIR
  value: /var/lib/pororoca
- name: HOME
  value: /tmp
{{- end -}}

{{/*
The credentials file the project image reads, and Trino's CA where the CLI looks for it (Paths.trino_ca):
with it the CLI speaks HTTPS with a password to Trino, as on a laptop.
*/}}
{{- define "pororoca.credentialsVolume" -}}
- name: credentials
  projected:
    defaultMode: 0400
    sources:
      - secret:
          name: {{ include "pororoca.secretName" . }}
          items:
            - {key: credentials.json, path: credentials.json}
      - secret:
          name: {{ include "pororoca.trinoTlsSecret" . }}
          items:
            - {key: ca.crt, path: trino-ca.pem}
{{- end -}}

{{- define "pororoca.credentialsMount" -}}
- name: credentials
  mountPath: /var/lib/pororoca/credentials.json
  subPath: credentials.json
  readOnly: true
{{ include "pororoca.trinoCaMount" . }}
{{- end -}}

{{- define "pororoca.trinoCaMount" -}}
- name: credentials
  mountPath: /var/lib/pororoca/tls/trino-ca.pem
  subPath: trino-ca.pem
  readOnly: true
{{- end -}}

{{/* Trino's HTTPS key pair and CA: yours (trino.tls.secretName) or the one templates/trino-tls.yaml generates. */}}
{{- define "pororoca.trinoTlsSecret" -}}
{{- .Values.trino.tls.secretName | default (printf "%s-trino-tls" .Release.Name) -}}
{{- end -}}

{{/* Trino's users: every member of a group in the compiled groups file (governance/lgpd/access.toml). */}}
{{- define "pororoca.trinoUsers" -}}
{{- $users := list -}}
{{- range $line := splitList "\n" (include "pororoca.conf" (dict "root" . "path" "trino/groups.txt")) -}}
{{- $members := trim (last (splitList ":" $line)) -}}
{{- if and (contains ":" $line) $members -}}
{{- $users = concat $users (splitList "," $members) -}}
{{- end -}}
{{- end -}}
{{- $users | uniq | sortAlpha | toJson -}}
{{- end -}}

{{/* Probes */}}
{{- define "pororoca.tcpProbes" -}}
readinessProbe:
  tcpSocket: {port: {{ .port }}}
  periodSeconds: 10
livenessProbe:
  tcpSocket: {port: {{ .port }}}
  initialDelaySeconds: {{ .delay | default 30 }}
  periodSeconds: 20
  failureThreshold: 6
{{- end -}}

{{- define "pororoca.httpProbes" -}}
readinessProbe:
  httpGet: {path: {{ .path }}, port: {{ .port }}}
  periodSeconds: 10
livenessProbe:
  httpGet: {path: {{ .livePath | default .path }}, port: {{ .port }}}
  initialDelaySeconds: {{ .delay | default 60 }}
  periodSeconds: 20
  failureThreshold: 6
{{- end -}}

{{/* Spread replicas over nodes where it matters (more than one replica). */}}
{{- define "pororoca.antiAffinity" -}}
{{- if gt (int .replicas) 1 }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "pororoca.selectorLabels" . | nindent 14 }}
{{- end }}
{{- end -}}

{{- define "pororoca.pvc" -}}
- metadata:
    name: data
  spec:
    accessModes: [ReadWriteOnce]
    {{- with .root.Values.global.storageClass }}
    storageClassName: {{ . }}
    {{- end }}
    resources:
      requests:
        storage: {{ .size }}
{{- end -}}

{{/*
Who may connect to whom: component -> the components allowed in, and the ports. The wiring test checks that
every address a component is configured with is a Service of this release, and that the policy admits it.
*/}}
{{- define "pororoca.peers" -}}
{{- $airflow := list "airflow-api-server" "airflow-scheduler" "airflow-dag-processor" "airflow-triggerer" "airflow-migrate" "airflow-task" "spark" }}
{{- $project := list "catalog" "connectors" "dashboards" "sources-load" "workload" "minio-bucket" "kafka-principals" "mlflow-users" "test" }}
postgresql:
  from: {{ concat (list "catalog" "connect" "trino-coordinator" "trino-workers" "superset" "superset-init" "openmetadata" "mlflow") $airflow $project | toJson }}
  ports: [5432]
mariadb:
  from: {{ concat (list "connect") $airflow $project | toJson }}
  ports: [3306]
minio:
  from: {{ concat (list "connect" "trino-coordinator" "trino-workers" "mlflow") $airflow $project | toJson }}
  ports: [9000, 9001]
kafka:
  # minio: the landing bucket's notifications.
  from: {{ concat (list "kafka" "connect" "fraud" "fraud-api" "trino-coordinator" "minio") $airflow $project | toJson }}
  ports: [9092, 9093]
connect:
  from: {{ concat (list "connect") $airflow $project | toJson }}
  ports: [8083]
trino-coordinator:
  # 8443: clients (HTTPS, password); 8080: the nodes' own traffic (shared secret; it refuses client sign-in).
  from: {{ concat (list "trino-workers" "superset" "openmetadata" "fraud-api") $airflow $project | toJson }}
  ports: [8080, 8443]
trino-workers:
  from: [trino-coordinator, trino-workers]
  ports: [8080]
airflow-api-server:
  from: {{ concat (list "openmetadata") $airflow (list "test") | toJson }}
  ports: [8080]
superset:
  from: {{ concat (list "openmetadata") $airflow $project | toJson }}
  ports: [8088]
openmetadata:
  from: {{ concat $airflow (list "test") | toJson }}
  ports: [8585, 8586]
opensearch:
  from: [openmetadata]
  ports: [9200]
mlflow:
  from: {{ concat (list "fraud") $airflow $project | toJson }}
  ports: [5000]
fraud:
  from: {{ concat $airflow $project | toJson }}
  ports: [8080]
fraud-api:
  from: {{ concat $airflow $project | toJson }}
  ports: [8080]
workload: {}
airflow-scheduler: {}
airflow-dag-processor: {}
airflow-triggerer: {}
{{- end -}}
