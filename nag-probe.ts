import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './lib/app';
const { app } = buildApp({ config: 'pipelines.yaml', bundle: false });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
try { app.synth(); console.log('synth ok'); } catch (e) { console.log('THROWN', String((e as Error).message).slice(0, 6000)); }
