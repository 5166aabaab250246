/** What the page asks of the microphone: the browser's own echo cancellation keeps the agent's voice out of it. */
export const MIC_CONSTRAINTS: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 };

export function openMicrophone(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw new DOMException('The microphone needs a secure page (https:// or localhost).', 'SecurityError');
  return navigator.mediaDevices.getUserMedia({ audio: MIC_CONSTRAINTS, video: false });
}

/** Measures a stream's level every 100 ms through an AnalyserNode (for the WebRTC mode, where no worklet sees the samples). */
export function meterStream(ctx: AudioContext, stream: MediaStream, onRms: (rms: number) => void): () => void {
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const s of buf) sum += s * s;
    onRms(Math.sqrt(sum / buf.length));
  }, 100);
  return () => {
    clearInterval(timer);
    source.disconnect();
  };
}
