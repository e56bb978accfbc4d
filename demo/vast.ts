// Minimal VAST 4 InLine documents, the markup DOOH buyers send for both video and static spots.
export interface VastMedia {
	adId: string;
	mediaUrl: string;
	mime: string;
	w: number;
	h: number;
	durationS: number;
}

function hhmmss(seconds: number): string {
	const pad = (n: number) => String(n).padStart(2, "0");
	return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}.000`;
}

export function vast(media: VastMedia): string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<VAST version="4.2">
  <Ad id="${media.adId}">
    <InLine>
      <AdSystem>px-edge demo</AdSystem>
      <AdTitle>${media.adId}</AdTitle>
      <Impression><![CDATA[]]></Impression>
      <Creatives>
        <Creative id="${media.adId}">
          <Linear>
            <Duration>${hhmmss(media.durationS)}</Duration>
            <MediaFiles>
              <MediaFile delivery="progressive" type="${media.mime}" width="${media.w}" height="${media.h}"><![CDATA[${media.mediaUrl}]]></MediaFile>
            </MediaFiles>
          </Linear>
        </Creative>
      </Creatives>
    </InLine>
  </Ad>
</VAST>`;
}
