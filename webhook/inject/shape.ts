import { z } from 'zod';

// The parts of a StatefulSet the webhook reads or rewrites, checked before it touches them: the
// apiserver only sends valid objects, but nothing else should be able to crash the handler either.

const stringMap = z.record(z.string(), z.string());
const named = z.looseObject({ name: z.string() });

const container = z.looseObject({
  name: z.string(),
  volumeMounts: z
    .array(z.looseObject({ name: z.string(), mountPath: z.string(), subPath: z.string().optional() }))
    .optional(),
  env: z.array(named).optional(),
});

export const statefulSetShape = z.looseObject({
  metadata: z
    .looseObject({
      name: z.string().optional(),
      generateName: z.string().optional(),
      namespace: z.string().optional(),
      labels: stringMap.optional(),
      annotations: stringMap.optional(),
      ownerReferences: z
        .array(z.looseObject({ kind: z.string().optional(), name: z.string().optional() }))
        .optional(),
    })
    .optional(),
  spec: z.looseObject({
    replicas: z.number().optional(),
    template: z.looseObject({
      metadata: z.looseObject({ annotations: stringMap.optional() }).optional(),
      spec: z.looseObject({
        containers: z.array(container),
        initContainers: z.array(container).optional(),
        volumes: z.array(named).optional(),
        imagePullSecrets: z.array(z.looseObject({ name: z.string().optional() })).optional(),
      }),
    }),
    volumeClaimTemplates: z
      .array(z.looseObject({ metadata: z.looseObject({ name: z.string().optional() }).optional() }))
      .optional(),
  }),
});

/** The first problem with the object's shape, as `path: message`, or undefined when usable. */
export function statefulSetShapeProblem(object: unknown): string | undefined {
  const parsed = statefulSetShape.safeParse(object);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return issue ? `${issue.path.join('.') || '<root>'}: ${issue.message}` : 'invalid';
}
