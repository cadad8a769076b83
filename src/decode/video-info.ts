/** VideoInfo is a video stream's frame size and constant frame rate (fpsNum / fpsDen frames per second). */
export interface VideoInfo {
  width: number;
  height: number;
  fpsNum: number;
  fpsDen: number;
}
