/** MediaSegment is one segment entry of an HLS media playlist. */
export interface MediaSegment {
  uri: string;
  /** EXTINF duration, seconds. */
  duration: number;
  /** Media sequence number (EXT-X-MEDIA-SEQUENCE + position). */
  sequence: number;
}

/** MediaPlaylist is the part of an HLS media playlist uprez reads. */
export interface MediaPlaylist {
  targetDuration: number | null;
  mediaSequence: number;
  playlistType: 'EVENT' | 'VOD' | null;
  segments: MediaSegment[];
  /** #EXT-X-ENDLIST present: the stream has ended. */
  endList: boolean;
}

/** parseMediaPlaylist reads an HLS media playlist (pure; tolerant of \r\n and a missing final newline). */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  const out: MediaPlaylist = { targetDuration: null, mediaSequence: 0, playlistType: null, segments: [], endList: false };
  let pendingDuration: number | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#EXTINF:')) {
      pendingDuration = Number.parseFloat(line.slice('#EXTINF:'.length));
    } else if (line.startsWith('#EXT-X-TARGETDURATION:')) {
      out.targetDuration = Number(line.slice('#EXT-X-TARGETDURATION:'.length));
    } else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) {
      out.mediaSequence = Number(line.slice('#EXT-X-MEDIA-SEQUENCE:'.length)) || 0;
    } else if (line.startsWith('#EXT-X-PLAYLIST-TYPE:')) {
      const t = line.slice('#EXT-X-PLAYLIST-TYPE:'.length);
      out.playlistType = t === 'EVENT' || t === 'VOD' ? t : null;
    } else if (line === '#EXT-X-ENDLIST') {
      out.endList = true;
    } else if (!line.startsWith('#') && pendingDuration !== null) {
      out.segments.push({ uri: line, duration: pendingDuration, sequence: out.mediaSequence + out.segments.length });
      pendingDuration = null;
    }
  }
  return out;
}
