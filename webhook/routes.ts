/** HTTP paths of the admission endpoints, shared by the server and the generated configurations. */
export const routes = {
  mutateStatefulSets: '/mutate/statefulsets',
  validate: '/validate',
} as const;
