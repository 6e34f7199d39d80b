{{/* Environment and volumes shared by the containers of Airflow, Superset and OpenMetadata. */}}
{{- define "pororoca.airflowEnv" -}}
{{- include "pororoca.secretEnv" (dict "root" . "name" "AIRFLOW_DB_PASSWORD" "key" "postgres_airflow_password") }}
{{ include "pororoca.secretEnv" (dict "root" . "name" "AIRFLOW__API__SECRET_KEY" "key" "airflow_secret_key") }}
{{ include "pororoca.secretEnv" (dict "root" . "name" "AIRFLOW__API_AUTH__JWT_SECRET" "key" "airflow_secret_key") }}
- name: AIRFLOW__DATABASE__SQL_ALCHEMY_CONN
  value: "postgresql+psycopg2://airflow:$(AIRFLOW_DB_PASSWORD)@{{ include "pororoca.postgresHost" . }}:{{ include "pororoca.postgresPort" . }}/airflow"
- {name: AIRFLOW__CORE__EXECUTOR, value: {{ .Values.airflow.executor | quote }}}
- {name: AIRFLOW__CORE__DAGS_FOLDER, value: /opt/airflow/dags}
- {name: AIRFLOW__CORE__LOAD_EXAMPLES, value: "False"}
- {name: AIRFLOW__CORE__EXECUTION_API_SERVER_URL, value: "http://{{ .Release.Name }}-airflow:8080/execution/"}
- {name: AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS, value: "admin:admin"}
- {name: AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE, value: /opt/airflow/auth/passwords.json}
# Every task runs as a pod of the project image from this template (dags/pororoca_common.py:cli_task).
- {name: POROROCA_TASK_POD_TEMPLATE, value: /opt/airflow/task-pod/pod.yaml}
# The near-real-time curation DAG (dags/pororoca_curate_stream.py): live from its creation or not, and each
# run's length as the Airflow Variable the task's command reads.
- {name: POROROCA_STREAM_LIVE, value: {{ .Values.airflow.silverStream.enabled | quote }}}
- {name: AIRFLOW_VAR_POROROCA_STREAM_MINUTES, value: {{ .Values.airflow.silverStream.minutes | quote }}}
- name: POROROCA_TASK_NAMESPACE
  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
{{- with .Values.openmetadata.ingestion.tokenSecret }}
{{- if and $.Values.openmetadata.enabled .name }}
# The catalog DAG (dags/pororoca_metadata.py) exists only with a server and its ingestion bot's token.
- {name: POROROCA_OPENMETADATA_URL, value: "http://{{ $.Release.Name }}-openmetadata:8585/api"}
- name: POROROCA_OPENMETADATA_TOKEN
  valueFrom: {secretKeyRef: {name: {{ .name | quote }}, key: {{ .key | quote }}}}
{{- end }}
{{- end }}
{{ include "pororoca.projectEnv" . }}
{{- end -}}
{{- define "pororoca.airflowVolumes" -}}
- {name: dags, emptyDir: {}}
- name: task-pod
  configMap:
    name: {{ include "pororoca.name" (dict "root" . "component" "airflow-task") }}
- {name: logs, emptyDir: {}}
- {name: tmp, emptyDir: {}}
- name: auth
  secret:
    secretName: {{ include "pororoca.secretName" . }}
    defaultMode: 0400
    items:
      - {key: airflow_passwords.json, path: passwords.json}
{{ include "pororoca.credentialsVolume" . }}
{{- end -}}
{{- define "pororoca.airflowMounts" -}}
- {name: dags, mountPath: /opt/airflow/dags, readOnly: true}
- {name: task-pod, mountPath: /opt/airflow/task-pod, readOnly: true}
- {name: logs, mountPath: /opt/airflow/logs}
- {name: tmp, mountPath: /tmp}
- {name: auth, mountPath: /opt/airflow/auth, readOnly: true}
{{ include "pororoca.credentialsMount" . }}
{{- end -}}
{{/*
The pod every Airflow task runs in: the project image and CLI with the stack's addresses, the shared credentials
and Trino's CA, as the set-up Jobs. Spark runs inside it in local mode, or on Kubernetes (airflow.spark.onKubernetes:
the driver here, executors as pods of the same image).
*/}}
{{- define "pororoca.airflowTaskPod" -}}
apiVersion: v1
kind: Pod
metadata:
  labels:
    {{- include "pororoca.labels" (dict "root" . "component" "airflow-task") | nindent 4 }}
spec:
  serviceAccountName: {{ include "pororoca.name" (dict "root" . "component" "airflow") }}
  restartPolicy: Never
  {{- include "pororoca.podSecurity" (dict "root" . "uid" 10001) | nindent 2 }}
  containers:
    - name: base
      image: {{ include "pororoca.image" (dict "root" . "image" "project") }}
      imagePullPolicy: {{ .Values.imagePullPolicy }}
      env:
        {{- include "pororoca.projectEnv" . | nindent 8 }}
        {{- if .Values.airflow.spark.onKubernetes }}
        - {name: POROROCA_SPARK_MASTER, value: "k8s://https://kubernetes.default.svc"}
        - {name: POROROCA_SPARK_IMAGE, value: {{ include "pororoca.image" (dict "root" . "image" "project") | quote }}}
        - {name: POROROCA_SPARK_SERVICE_ACCOUNT, value: {{ include "pororoca.name" (dict "root" . "component" "airflow") | quote }}}
        - {name: POROROCA_SPARK_EXECUTOR_INSTANCES, value: {{ .Values.airflow.spark.executorInstances | quote }}}
        - {name: POROROCA_SPARK_EXECUTOR_MEMORY, value: {{ .Values.airflow.spark.executorMemory | quote }}}
        - name: POROROCA_SPARK_NAMESPACE
          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
        {{- end }}
      {{- include "pororoca.containerSecurity" (dict "readOnly" true) | nindent 6 }}
      volumeMounts:
        {{- include "pororoca.credentialsMount" . | nindent 8 }}
        - {name: tmp, mountPath: /tmp}
  volumes:
    {{- include "pororoca.credentialsVolume" . | nindent 4 }}
    - {name: tmp, emptyDir: {}}
{{- end -}}
{{- define "pororoca.dagsInit" -}}
- name: dags
  image: {{ include "pororoca.image" (dict "root" . "image" "project") }}
  imagePullPolicy: {{ .Values.imagePullPolicy }}
  command: [sh, -c, "cp -r /opt/pororoca/dags/. /dags/"]
  {{- include "pororoca.containerSecurity" (dict "readOnly" true) | nindent 2 }}
  resources:
    requests: {cpu: 50m, memory: 64Mi}
    limits: {memory: 128Mi}
  volumeMounts:
    - {name: dags, mountPath: /dags}
{{- end -}}
{{- define "pororoca.supersetEnv" -}}
{{ include "pororoca.secretEnv" (dict "root" . "name" "SUPERSET_SECRET_KEY" "key" "superset_secret_key") }}
{{ include "pororoca.secretEnv" (dict "root" . "name" "SUPERSET_DB_PASSWORD" "key" "postgres_superset_password") }}
{{ include "pororoca.secretEnv" (dict "root" . "name" "SUPERSET_ADMIN_PASSWORD" "key" "superset_admin_password") }}
- {name: SUPERSET_CONFIG_PATH, value: /etc/superset/superset_config.py}
- {name: SUPERSET_HOME, value: /app/superset_home}
{{- end }}
{{- define "pororoca.openmetadataEnv" -}}
- {name: DB_DRIVER_CLASS, value: org.postgresql.Driver}
- {name: DB_SCHEME, value: postgresql}
- {name: DB_HOST, value: {{ include "pororoca.postgresHost" . | quote }}}
- {name: DB_PORT, value: {{ include "pororoca.postgresPort" . | quote }}}
- {name: DB_USER, value: openmetadata}
- {name: OM_DATABASE, value: openmetadata}
{{ include "pororoca.secretEnv" (dict "root" . "name" "DB_USER_PASSWORD" "key" "postgres_openmetadata_password") }}
- {name: SEARCH_TYPE, value: opensearch}
- {name: ELASTICSEARCH_HOST, value: {{ printf "%s-opensearch" .Release.Name | quote }}}
- {name: ELASTICSEARCH_PORT, value: "9200"}
- {name: ELASTICSEARCH_SCHEME, value: http}
- {name: OPENMETADATA_HEAP_OPTS, value: "-Xms{{ .Values.openmetadata.heap }} -Xmx{{ .Values.openmetadata.heap }}"}
{{- end }}
