{{/* Names and labels shared by every object of the release. */}}
{{- define "hookflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hookflow.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "hookflow.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "hookflow.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "hookflow.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "hookflow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "hookflow.selectorLabels" . }}
app.kubernetes.io/version: {{ include "hookflow.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "hookflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hookflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hookflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hookflow.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret both processes read their secret variables from. */}}
{{- define "hookflow.secretName" -}}
{{- default (include "hookflow.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "hookflow.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "hookflow.imageTag" .) }}
{{- end }}

{{/* Temporal connection variables that are not secret; mTLS files are mounted at /etc/hookflow/temporal-tls. */}}
{{- define "hookflow.temporalEnv" -}}
- name: TEMPORAL_ADDRESS
  value: {{ required "temporal.address is required (host:port of Temporal's frontend)" .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
{{- if ne (toString .Values.temporal.tls.enabled) "" }}
- name: TEMPORAL_TLS
  value: {{ .Values.temporal.tls.enabled | toString | quote }}
{{- end }}
{{- with .Values.temporal.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- if .Values.temporal.tls.existingSecret }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/hookflow/temporal-tls/tls.crt
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/hookflow/temporal-tls/tls.key
{{- if .Values.temporal.tls.caCert }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /etc/hookflow/temporal-tls/ca.crt
{{- end }}
{{- end }}
{{- end }}

{{/* Volumes every pod of the release mounts: a writable /tmp (the root file system is read-only) and the TLS files. */}}
{{- define "hookflow.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if .Values.temporal.tls.existingSecret }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tls.existingSecret }}
{{- end }}
{{- end }}

{{- define "hookflow.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.tls.existingSecret }}
- name: temporal-tls
  mountPath: /etc/hookflow/temporal-tls
  readOnly: true
{{- end }}
{{- end }}

{{/* Environment of the ingress and the worker: the ConfigMap, the Secret, then the Temporal variables. */}}
{{- define "hookflow.envFrom" -}}
- configMapRef:
    name: {{ include "hookflow.fullname" . }}
- secretRef:
    name: {{ include "hookflow.secretName" . }}
{{- end }}

{{/* Restarts pods when their configuration changes (the processes read it once at start). */}}
{{- define "hookflow.configChecksums" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/* hookflow's search attributes: the names in engine/contract.ts (test/unit/helm-chart.test.ts keeps them equal), all Keyword. */}}
{{- define "hookflow.searchAttributes" -}}
HookflowFlow HookflowFlowVersion HookflowSource HookflowEventType HookflowEventId HookflowCorrelationKey HookflowEntityKey HookflowOutcome
{{- end }}
