import { z } from 'zod';
import type { Operation } from 'fast-json-patch';

// admission.k8s.io/v1 AdmissionReview: the part of the request the webhook reads, and the response.

const groupVersionKind = z.object({ group: z.string(), version: z.string(), kind: z.string() });
const objectLike = z.record(z.string(), z.unknown());

export const admissionRequestSchema = z.object({
  uid: z.string().min(1).max(128),
  kind: groupVersionKind,
  resource: z.object({ group: z.string(), version: z.string(), resource: z.string() }),
  subResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  object: objectLike.nullable().optional(),
  oldObject: objectLike.nullable().optional(),
  dryRun: z.boolean().optional(),
  userInfo: z.object({ username: z.string().optional() }).loose().optional(),
});

export const admissionReviewSchema = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: admissionRequestSchema,
});

export type AdmissionRequest = z.output<typeof admissionRequestSchema>;

/** What a handler decides; turned into the AdmissionReview response by `respond`. */
export type AdmissionOutcome =
  | { allowed: true; patch?: Operation[]; warnings?: string[]; skipped?: string }
  | { allowed: false; code: number; reason: string; message: string; causes?: Cause[]; warnings?: string[] };

export interface Cause {
  field: string;
  message: string;
  reason?: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueNotFound';
}

/** Refusal listing every field error, formatted the way the apiserver formats its own. */
export function refuse(kind: string, name: string, causes: Cause[], warnings?: string[]): AdmissionOutcome {
  const details = causes.map((c) => `${c.field}: ${c.message}`).join('; ');
  return {
    allowed: false,
    code: 422,
    reason: 'Invalid',
    message: `${kind} "${name}" is invalid: ${details}`,
    causes,
    ...(warnings && warnings.length > 0 ? { warnings } : {}),
  };
}

export interface AdmissionResponseBody {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: {
      code: number;
      reason: string;
      message: string;
      details?: { causes: { field: string; message: string; reason: string }[] };
    };
    patchType?: 'JSONPatch';
    patch?: string;
    warnings?: string[];
  };
}

/** The response body: the patch base64-encoded and only when non-empty; empty warnings dropped. */
export function respond(uid: string, outcome: AdmissionOutcome): AdmissionResponseBody {
  const response: AdmissionResponseBody['response'] = { uid, allowed: outcome.allowed };
  if (outcome.warnings && outcome.warnings.length > 0) response.warnings = outcome.warnings.map(truncate);
  if (outcome.allowed) {
    if (outcome.patch && outcome.patch.length > 0) {
      response.patchType = 'JSONPatch';
      response.patch = Buffer.from(JSON.stringify(outcome.patch)).toString('base64');
    }
  } else {
    response.status = {
      code: outcome.code,
      reason: outcome.reason,
      message: outcome.message,
      ...(outcome.causes
        ? {
            details: {
              causes: outcome.causes.map((c) => ({
                field: c.field,
                message: c.message,
                reason: c.reason ?? 'FieldValueInvalid',
              })),
            },
          }
        : {}),
    };
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

// The apiserver truncates each warning at 256 characters (4 KiB in all): cut ours first, visibly.
function truncate(warning: string): string {
  return warning.length <= 250 ? warning : `${warning.slice(0, 247)}...`;
}
