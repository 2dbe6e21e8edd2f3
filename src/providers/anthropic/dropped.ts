/** Collects the names of client parameters a conversion cannot carry, in first-seen order, without repeats. */
export type DroppedParams = Set<string>;
