// Package targets holds the configuration file's schema and loader (strict YAML, ${ENV}
// expansion, *_file secrets, defaults in one place, errors that name the line and the fix),
// the Manager that supervises one collector per target, and sharding across replicas.
package targets
