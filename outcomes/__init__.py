"""From problem to effect: a promise's problem picture (lägesbild), its outcome indicators
over time, and the Kolada connector that fetches indicator values."""
