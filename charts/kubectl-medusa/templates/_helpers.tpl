{{/* Names and labels shared by every template. */}}

{{- define "kubectl-medusa.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release>-kubectl-medusa, or the release name when it already contains the chart name. */}}
{{- define "kubectl-medusa.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "kubectl-medusa.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubectl-medusa.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kubectl-medusa.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "kubectl-medusa.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "kubectl-medusa.serviceAccountName" -}}
{{- default (include "kubectl-medusa.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{- define "kubectl-medusa.webhookService" -}}
{{- printf "%s-webhook" (include "kubectl-medusa.fullname" .) }}
{{- end }}

{{- define "kubectl-medusa.tlsSecret" -}}
{{- printf "%s-webhook-tls" (include "kubectl-medusa.fullname" .) }}
{{- end }}

{{- define "kubectl-medusa.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{/* The subject every controller and webhook binding grants to. */}}
{{- define "kubectl-medusa.subject" -}}
- kind: ServiceAccount
  name: {{ include "kubectl-medusa.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}

{{/* Namespaces the webhooks serve (see values.yaml webhook.namespaceSelector). */}}
{{- define "kubectl-medusa.namespaceSelector" -}}
{{- if .Values.webhook.namespaceSelector -}}
{{- toYaml .Values.webhook.namespaceSelector }}
{{- else if .Values.watchNamespace -}}
matchLabels:
  kubernetes.io/metadata.name: {{ .Values.watchNamespace }}
{{- else -}}
matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values: [kube-system, kube-public, kube-node-lease, {{ .Release.Namespace }}]
{{- end }}
{{- end }}

{{/*
Node's heap for a container with the given resources: old space at half the memory limit (Mi or
Gi), young space small. Node sizes its heap from the cgroup limit close to the whole limit
(nodejs/node#64646), so without this V8 collects too late and the kubelet OOM-kills the container;
code and buffers take the other half (the webhook idles at about 130 MB). Empty when no memory limit
is set in Mi or Gi.
*/}}
{{- define "kubectl-medusa.nodeOptions" -}}
{{- $memory := toString (dig "limits" "memory" "" .) -}}
{{- $mib := 0 -}}
{{- if regexMatch "^[0-9]+Mi$" $memory -}}
{{- $mib = trimSuffix "Mi" $memory | atoi -}}
{{- else if regexMatch "^[0-9]+Gi$" $memory -}}
{{- $mib = mul (trimSuffix "Gi" $memory | atoi) 1024 -}}
{{- end -}}
{{- if gt $mib 0 -}}
--max-old-space-size={{ div $mib 2 }} --max-semi-space-size=4
{{- end -}}
{{- end -}}
