export interface PlayerConfig {
  kind: "scorm12" | "scorm2004" | "h5p" | "cmi5";
  launch: string;
  commitUrl: string;
  xapiUrl: string;
  activityId: string;
  cmi: Record<string, unknown>;
  h5p: {
    frameJs: string;
    frameCss: string;
    // The xAPI activities/state endpoint and the document holding H5P's saved state.
    stateUrl: string;
    stateId: string;
    state: string;
  };
}
