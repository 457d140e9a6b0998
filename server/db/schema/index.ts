export * from "./users";
export * from "./templates";
export * from "./pipelines";
export * from "./runs";
