{{/* Names: <release>-gantry unless the release is already called gantry. */}}
{{- define "gantry.fullname" -}}
{{- if contains "gantry" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-gantry" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "gantry.labels" -}}
app.kubernetes.io/name: gantry
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gantry
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "ctx" $ "component" "web"). */}}
{{- define "gantry.selector" -}}
app.kubernetes.io/name: gantry
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "gantry.image" -}}
{{- $repo := .Values.image.repository -}}
{{- if .Values.image.registry }}{{ $repo = printf "%s/%s" .Values.image.registry $repo }}{{ end -}}
{{- printf "%s:%s" $repo (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "gantry.mariadbImage" -}}
{{- $i := .Values.mariadb.image -}}
{{- $registry := $i.registry | default .Values.image.registry | default "docker.io" -}}
{{- printf "%s/%s:%s" $registry $i.repository $i.tag -}}
{{- end -}}

{{- define "gantry.keysSecret" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-keys" (include "gantry.fullname" .)) -}}
{{- end -}}

{{/* The Secret and key holding DATABASE_URL for web and operator. */}}
{{- define "gantry.databaseSecret" -}}
{{- if .Values.database.existingSecret -}}{{ .Values.database.existingSecret }}{{- else -}}{{ include "gantry.fullname" . }}-database{{- end -}}
{{- end -}}
{{- define "gantry.databaseKey" -}}
{{- if .Values.database.existingSecret -}}{{ .Values.database.existingSecretKey }}{{- else -}}DATABASE_URL{{- end -}}
{{- end -}}

{{/* The default project's builds and the operator's Lease (GANTRY_NAMESPACE). */}}
{{- define "gantry.buildsNamespace" -}}
{{- .Values.builds.namespace | default (printf "%s-builds" .Release.Namespace) -}}
{{- end -}}

{{- define "gantry.webHost" -}}
{{ include "gantry.fullname" . }}-web.{{ .Release.Namespace }}.svc
{{- end -}}

{{- define "gantry.url" -}}
{{- if .Values.url -}}{{ .Values.url }}
{{- else if and .Values.ingress.enabled .Values.ingress.host -}}{{ ternary "https" "http" .Values.ingress.tls.enabled }}://{{ .Values.ingress.host }}
{{- else -}}http://{{ include "gantry.webHost" . }}:{{ .Values.service.port }}
{{- end -}}
{{- end -}}

{{/* Environment shared by web, operator and the migrations. */}}
{{- define "gantry.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef: { name: {{ include "gantry.databaseSecret" . }}, key: {{ include "gantry.databaseKey" . }} }
- name: GANTRY_EXECUTOR
  value: {{ .Values.operator.executor | quote }}
- name: GANTRY_NAMESPACE
  value: {{ include "gantry.buildsNamespace" . | quote }}
- name: GANTRY_WORKSPACES
  value: /var/lib/gantry/workspaces
- name: GANTRY_CACHE_DIR
  value: /var/lib/gantry/cache
- name: GANTRY_ARTIFACTS_DIR
  value: /var/lib/gantry/artifacts
- name: NEXTAUTH_URL
  value: {{ include "gantry.url" . | quote }}
- name: GANTRY_URL
  value: {{ printf "http://%s:%v" (include "gantry.webHost" .) .Values.service.port | quote }}
{{- if .Values.elasticsearch.url }}
- name: ELASTICSEARCH_URL
  value: {{ .Values.elasticsearch.url | quote }}
- name: ELASTICSEARCH_INDEX_PREFIX
  value: {{ .Values.elasticsearch.indexPrefix | quote }}
{{- end }}
{{- end -}}

{{/* Keys (and Elasticsearch credentials) as env from their Secrets. */}}
{{- define "gantry.envFrom" -}}
- secretRef: { name: {{ include "gantry.keysSecret" . }} }
{{- if .Values.elasticsearch.existingSecret }}
- secretRef: { name: {{ .Values.elasticsearch.existingSecret }} }
{{- end }}
{{- end -}}

{{- define "gantry.extraEnv" -}}
{{- range $k, $v := . }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end -}}

{{/* Writable places under a read-only root file system. */}}
{{- define "gantry.volumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end -}}
{{- define "gantry.volumeMounts" -}}
- { name: data, mountPath: /var/lib/gantry }
- { name: tmp, mountPath: /tmp }
{{- end -}}

{{- define "gantry.database.check" -}}
{{- $n := 0 -}}
{{- if .Values.database.url }}{{ $n = add1 $n }}{{ end -}}
{{- if .Values.database.existingSecret }}{{ $n = add1 $n }}{{ end -}}
{{- if .Values.mariadb.enabled }}{{ $n = add1 $n }}{{ end -}}
{{- if ne $n 1 -}}
{{- fail "database: set exactly one of database.url, database.existingSecret or mariadb.enabled=true" -}}
{{- end -}}
{{- end -}}
